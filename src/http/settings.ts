/**
 * The request's settings, parsed from `env` the first time a middleware or route asks and kept
 * on the Hono context for the rest of that request (never across requests).
 */
import type { Context } from "hono";
import { type Settings, settingsFrom } from "../worker/settings.ts";
import type { AppEnv } from "./app-env.ts";

export function settingsOf(c: Context<AppEnv>): Settings {
  let settings = c.get("settings");
  if (!settings) {
    settings = settingsFrom(c.env as unknown as Record<string, unknown>);
    c.set("settings", settings);
  }
  return settings;
}
