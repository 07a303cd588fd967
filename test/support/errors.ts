/** The ServeError a call throws (fails the test when it throws nothing or something else). */
import { ServeError } from "../../src/core/errors.ts";

export function errorOf(fn: () => unknown): ServeError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ServeError) return err;
    throw err;
  }
  throw new Error("expected a ServeError");
}

export async function failure(promise: Promise<unknown>): Promise<ServeError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof ServeError) return err;
    throw err;
  }
  throw new Error("expected a ServeError");
}
