/** The one log format: a JSON line per event on stdout (Workers Logs and `wrangler tail` read it). */
export type Log = (event: string, detail: Record<string, unknown>) => void;

export const log: Log = (event, detail) => {
  console.log(JSON.stringify({ event, ...detail }));
};
