// The emulator on Deno.serve for Promise-style tests (the facade, the CLI): started in a scope that `close` ends.
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import * as DenoEmulator from "../../src/DenoEmulator.ts"

export interface StartedEmulator {
  readonly url: string
  readonly admin: DenoEmulator.RunningEmulator["admin"]
  /** Runs an admin call (an Effect) as a Promise. */
  readonly run: <A, E>(effect: Effect.Effect<A, E>) => Promise<A>
  readonly close: () => Promise<void>
}

export const startEmulator = async (options: DenoEmulator.ServeOptions = {}): Promise<StartedEmulator> => {
  const scope = Effect.runSync(Scope.make())
  const running = await Effect.runPromise(Scope.extend(DenoEmulator.serve(options), scope))
  return {
    url: running.url,
    admin: running.admin,
    run: (effect) => Effect.runPromise(effect),
    close: () => Effect.runPromise(Scope.close(scope, Exit.void))
  }
}

export const tempHome = (): Promise<string> => Deno.makeTempDir({ prefix: "codex-auth-deno-" })

/** The fields of `auth.json` the tests look at. */
export interface AuthFile {
  readonly auth_mode: string
  readonly OPENAI_API_KEY: string | null
  readonly tokens: {
    readonly access_token: string
    readonly refresh_token: string
    readonly id_token: string
    readonly account_id: string
  }
}

export const readAuth = async (home: string): Promise<AuthFile> =>
  JSON.parse(await Deno.readTextFile(`${home}/auth.json`))

export const exists = (path: string): Promise<boolean> => Deno.stat(path).then(() => true, () => false)
