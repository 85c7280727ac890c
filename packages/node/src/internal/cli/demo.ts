/**
 * `npm run demo`: the whole journey offline. An in-process emulator of auth.openai.com, a temporary CODEX_HOME, the
 * login the planner picks for an interactive user on this machine (the demo plays that user: it approves the device
 * code in the emulator, or "clicks" the authorize URL), then status, token, a forced refresh (the refresh token
 * rotates), the headers and a logout with revoke. One line per step on stdout.
 */
import { BrowserOpener } from "@codex-auth/core/BrowserOpener"
import { CredentialStore } from "@codex-auth/core/CredentialStore"
import * as Login from "@codex-auth/core/Login"
import * as LoginPresenter from "@codex-auth/core/LoginPresenter"
import * as Planner from "@codex-auth/core/Planner"
import { RuntimeFacts } from "@codex-auth/core/RuntimeFacts"
import { Session } from "@codex-auth/core/Session"
import * as Facade from "@codex-auth/facade/Facade"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Crypto from "node:crypto"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import * as NodeLoopbackListener from "../../NodeLoopbackListener.ts"
import * as NodeRuntimeFacts from "../../NodeRuntimeFacts.ts"
import * as Environment from "../facade/environment.ts"
import { loadEmulator } from "./loadEmulator.ts"

export interface DemoOptions {
  /** Where each line goes. Default stdout. */
  readonly print?: ((line: string) => void) | undefined
}

const freePort = Effect.async<number>((resume) => {
  const server = Net.createServer()
  server.listen({ host: "127.0.0.1", port: 0 }, () => {
    const { port } = server.address() as Net.AddressInfo
    server.close(() => resume(Effect.succeed(port)))
  })
})

/** A short, non-reversible fingerprint: enough to see a token change, useless to anyone who reads it. */
const fingerprint = (secret: Redacted.Redacted<string>): string =>
  Crypto.createHash("sha256").update(Redacted.value(secret)).digest("hex").slice(0, 8)

const preview = (secret: string): string => `${secret.slice(0, 12)}…(${secret.length} chars, redacted)`

const time = (millis: Option.Option<number>): string =>
  Option.match(millis, { onNone: () => "an unknown time", onSome: (at) => new Date(at).toISOString() })

const describePlan = (plan: Planner.LoginPlan): string => {
  switch (plan._tag) {
    case "Browser":
      return "the browser (loopback callback)"
    case "BrowserThenDevice":
      return "the browser, with the device code joining if no callback arrives (WSL)"
    case "Device":
      return "the device code"
    case "Paste":
      return "the browser with a pasted callback URL"
    case "Custom":
      return "a custom login handler"
  }
}

const describeFacts = (facts: RuntimeFacts.Facts): string =>
  [
    facts.os,
    facts.wsl ? "WSL" : undefined,
    facts.container ? "in a container" : undefined,
    facts.ssh ? "over SSH" : undefined,
    facts.os === "linux" && !facts.wsl ? (facts.display ? "a display" : "no display") : undefined
  ].filter((part) => part !== undefined).join(", ")

export const program = (options: DemoOptions = {}) =>
  Effect.scoped(Effect.gen(function*() {
    const print = options.print ?? ((line: string) => void process.stdout.write(`${line}\n`))
    const step = (name: string, text: string) => Effect.sync(() => print(`${name.padEnd(9)} ${text}`))
    print("codex-auth demo: the whole journey, offline, against an emulator of auth.openai.com in this process")

    const loopbackPort = yield* freePort
    const { NodeEmulator } = yield* loadEmulator
    const emulator = yield* NodeEmulator.serve({ redirectPorts: [loopbackPort], deviceInterval: "1" })
    const codexHome = Fs.mkdtempSync(Path.join(Os.tmpdir(), "codex-auth-demo-"))
    yield* Effect.addFinalizer(() => Effect.sync(() => Fs.rmSync(codexHome, { recursive: true, force: true })))
    yield* step("emulator", `listening on ${emulator.url}; CODEX_HOME=${codexHome}`)

    const here = NodeRuntimeFacts.current()
    const interactiveUser = NodeRuntimeFacts.current({ interactive: true })
    const plan = Either.getOrThrow(Planner.plan(interactiveUser))
    const refusal = Either.isLeft(Planner.plan(here))
      ? ` This process is non-interactive${
        here.ci ? " (CI)" : ""
      }, so \`codex-auth login\` would refuse; the demo plays the user instead.`
      : " The demo plays the user."
    yield* step(
      "plan",
      `an interactive user here (${describeFacts(interactiveUser)}) signs in with ${describePlan(plan)}.${refusal}`
    )

    // The user: approves the device code in the emulator, or opens the authorize URL (the emulator's consent is
    // auto-approved for the browser, as if the user clicked Allow).
    const actions: Array<string> = []
    const presenter = LoginPresenter.make({
      present: (event) =>
        Effect.gen(function*() {
          if (event._tag === "DeviceCodeIssued") {
            actions.push(`device code ${event.userCode} entered at ${event.verificationUrl}`)
            yield* Effect.forkDaemon(Effect.ignore(emulator.admin.approveDeviceCode(event.userCode)))
          }
        })
    })
    const opener = BrowserOpener.of({
      open: (url) =>
        Effect.gen(function*() {
          yield* Effect.ignore(emulator.admin.updateSettings({ autoApprove: true }))
          actions.push("authorize URL opened and Allow clicked")
          yield* Effect.promise(() => fetch(url).then((response) => response.text()))
        })
    })
    const environment = Layer.mergeAll(
      Environment.layer({ codexHome, issuer: emulator.url, loopbackPorts: [loopbackPort] }),
      NodeLoopbackListener.layer,
      Layer.succeed(BrowserOpener, opener),
      Layer.succeed(LoginPresenter.LoginPresenter, presenter),
      Layer.succeed(RuntimeFacts, interactiveUser)
    )

    yield* Effect.gen(function*() {
      const session = yield* Session
      const store = yield* CredentialStore
      const result = yield* Login.run(
        plan._tag === "Browser" || plan._tag === "BrowserThenDevice" ? { ...plan, paste: false } : plan
      )
      yield* session.saveLogin(Facade.loginOutcome(result))
      const who = Option.getOrElse(result.tokens.idTokenInfo.email, () => "the user")
      yield* step(
        "login",
        `${actions.join("; ")} → logged in as ${who} by ${result.method}, saved to ${store.location}`
      )

      const status = yield* session.status
      yield* step(
        "status",
        `${status.loggedIn ? "logged in" : "NOT logged in"} as ${Option.getOrElse(status.email, () => "?")} (${
          Option.getOrElse(status.plan, () => "unknown plan")
        }), account ${Option.getOrElse(status.accountId, () => "?")}, access token valid until ${
          time(status.accessTokenExpiresAt)
        }`
      )

      const token = yield* session.getToken
      yield* step("token", `${preview(Redacted.value(token))} served from memory, no network`)

      const before = yield* session.getCredentials
      const after = yield* session.refresh
      if (before._tag === "ChatGpt" && after._tag === "ChatGpt") {
        const rotated = fingerprint(before.tokenSet.refreshToken) !== fingerprint(after.tokenSet.refreshToken)
        yield* step(
          "refresh",
          `refresh token ${rotated ? "rotated" : "NOT rotated"} (sha256 ${
            fingerprint(before.tokenSet.refreshToken)
          } → ${fingerprint(after.tokenSet.refreshToken)}); new access token valid until ${
            time(after.tokenSet.accessTokenExpiresAt)
          }`
        )
      }

      const headers = yield* session.getHeaders
      yield* step(
        "headers",
        Object.entries(headers).map(([name, value]) =>
          name === "authorization"
            ? `authorization: Bearer ${preview(value.slice("Bearer ".length))}`
            : `${name}: ${value}`
        ).join(" | ")
      )

      const logout = yield* session.logout
      yield* step(
        "logout",
        `refresh token ${logout.revoke} at the issuer; credentials ${logout.removed ? "removed" : "NOT removed"} (${
          Fs.existsSync(Path.join(codexHome, "auth.json")) ? "auth.json still there" : "no auth.json left"
        })`
      )
    }).pipe(Effect.provide(environment))
    print("done: every step above ran offline; run `npx codex-auth login` to sign in for real.")
  }))

/** Runs the demo; resolves with the process exit code. */
export const main = (options: DemoOptions = {}): Promise<number> =>
  Effect.runPromise(
    program(options).pipe(
      Effect.as(0),
      Effect.catchAllCause((cause) =>
        Effect.sync(() => {
          process.stderr.write(`✗ demo failed: ${String(cause).split("\n")[0]}\n`)
          return 1
        })
      )
    )
  )
