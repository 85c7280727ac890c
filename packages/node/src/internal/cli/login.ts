/** `codex-auth login`: the console presenter on stderr, the planner's flow (or the forced one), then the save. */
import * as ConsolePresenter from "@codex-auth/adapters/ConsolePresenter"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Environment from "../facade/environment.ts"
import * as FacadeLogin from "../facade/login.ts"
import * as StderrTerminal from "../facade/terminal.ts"
import type { Common } from "./run.ts"
import { environmentOptions, human, json, runCommand } from "./run.ts"

export interface LoginArgs {
  readonly flow: FacadeLogin.Flow
  readonly noBrowser: boolean
  readonly port: number | undefined
  readonly workspaces: ReadonlyArray<string>
}

export const login = (common: Common, args: LoginArgs) => {
  const interactiveInput = process.stdin.isTTY === true
  const presenter = ConsolePresenter.layer({
    // "Press Enter" and the paste prompt need someone at the keyboard.
    pressEnterToOpen: interactiveInput && !args.noBrowser,
    paste: interactiveInput || args.flow === "paste"
  }).pipe(Layer.provide(StderrTerminal.layer))
  const environment = Layer.mergeAll(
    Environment.layer({
      ...environmentOptions(common),
      loopbackPorts: args.port === undefined ? undefined : [args.port]
    }),
    FacadeLogin.portsLayer({ flow: args.flow, noBrowser: args.noBrowser }),
    presenter
  )
  const body = Effect.gen(function*() {
    const summary = yield* FacadeLogin.run({
      method: args.flow === "auto" ? undefined : args.flow === "custom" ? undefined : args.flow,
      allowedWorkspaceIds: args.workspaces.length > 0 ? args.workspaces : undefined
    })
    if (common.json) {
      yield* json({
        loggedIn: true,
        method: summary.method,
        email: summary.email ?? null,
        accountId: summary.accountId ?? null,
        plan: summary.plan ?? null
      })
    }
    return 0
  }).pipe(
    Effect.onInterrupt(() => human("\n✗ Login cancelled; nothing was saved."))
  )
  return runCommand(common, body, environment)
}
