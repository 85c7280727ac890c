// The Windows lane's child: runs under node.exe in Wine (process.platform is "win32"), so its stdout is a file (Node
// on Wine cannot write to a pipe). argv: <command> ...; each result is one JSON line on stdout.
//   lock <lockPath> <releaseFile>  take auth.lock, say "locked", hold it until <releaseFile> exists, say "released"
//   try <lockPath>                 one bounded attempt (1.5 s): "locked" or "failed" with the reason
//   token <goFile>                 say "ready", wait for <goFile>, then the session's getToken (CODEX_HOME, ISSUER)
//   facade <codexHome>             CodexAuth.open({ codexHome }) → getToken and status
//   open <url>...                  the platform's BrowserOpener (win32: cmd /c start) opens each URL in turn
//   keyring <codexHome> <authFile> save <authFile>'s document through the keyring store (this OS's layout), load it
import * as AuthJson from "@codex-auth/core/AuthJson"
import { BrowserOpener } from "@codex-auth/core/BrowserOpener"
import { CredentialStore } from "@codex-auth/core/CredentialStore"
import * as Session from "@codex-auth/core/Session"
import * as CodexAuth from "@codex-auth/node/CodexAuth"
import * as NodeBrowserOpener from "@codex-auth/node/NodeBrowserOpener"
import * as NodeCodexHome from "@codex-auth/node/NodeCodexHome"
import * as NodeRuntimeFacts from "@codex-auth/node/NodeRuntimeFacts"
import * as NodeSecretFile from "@codex-auth/node/NodeSecretFile"
import * as NodeSession from "@codex-auth/node/NodeSession"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { existsSync, readFileSync } from "node:fs"

const say = (value) => process.stdout.write(JSON.stringify({ platform: process.platform, ...value }) + "\n")
const waitFor = async (file) => {
  while (!existsSync(file)) await new Promise((resolve) => globalThis.setTimeout(resolve, 20))
}

const [command, ...args] = process.argv.slice(2)
switch (command) {
  case "lock": {
    const [lockPath, releaseFile] = args
    await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      yield* NodeSecretFile.make.lock(lockPath, { timeoutMillis: 30_000 })
      say({ event: "locked" })
      yield* Effect.promise(() => waitFor(releaseFile))
    })))
    say({ event: "released" })
    break
  }
  case "try": {
    const exit = await Effect.runPromiseExit(Effect.scoped(NodeSecretFile.make.lock(args[0], { timeoutMillis: 1_500 })))
    say(exit._tag === "Success" ? { event: "locked" } : { event: "failed", reason: String(exit.cause) })
    break
  }
  case "token": {
    say({ event: "ready" })
    await waitFor(args[0])
    const program = Effect.flatMap(Session.Session, (session) => session.getToken).pipe(
      Effect.provide(NodeSession.layer({ profile: { issuer: process.env.ISSUER } }))
    )
    const exit = await Effect.runPromiseExit(program)
    say(exit._tag === "Success" ? { token: Redacted.value(exit.value) } : { error: String(exit.cause) })
    break
  }
  case "facade": {
    const auth = await CodexAuth.open({ codexHome: args[0] })
    try {
      const token = await auth.getToken()
      const status = await auth.status()
      say({ token, loggedIn: status.loggedIn })
    } finally {
      await auth.close()
    }
    break
  }
  case "open": {
    for (const url of args) {
      const exit = await Effect.runPromiseExit(
        Effect.flatMap(BrowserOpener, (opener) => opener.open(url)).pipe(Effect.provide(NodeBrowserOpener.layer))
      )
      say(exit._tag === "Success" ? { opened: url } : { error: String(exit.cause) })
    }
    break
  }
  case "keyring": {
    const [codexHome, authFile] = args
    // The store loads the native binding on first use: probe it first, and under a Wine that cannot load it, say
    // why and stop.
    const loaded = await import("@napi-rs/keyring").then(() => import("@codex-auth/keyring/KeyringCredentialStore"))
      .then(
        (module) => ({ module }),
        (error) => ({ unavailable: String(error?.message ?? error).split("\n")[0] })
      )
    if (!("module" in loaded)) {
      say(loaded)
      break
    }
    process.env.CODEX_HOME = codexHome
    const text = readFileSync(authFile, "utf8")
    const program = Effect.gen(function*() {
      const store = yield* CredentialStore
      const document = yield* AuthJson.parse(text, { path: authFile })
      yield* store.save(document)
      const back = yield* store.load
      return { location: store.location, same: back._tag === "Some" && AuthJson.stringify(back.value) === text }
    }).pipe(
      Effect.provide(
        loaded.module.layer().pipe(
          Layer.provide(Layer.mergeAll(NodeCodexHome.layer, NodeSecretFile.layer, NodeRuntimeFacts.layer()))
        )
      )
    )
    const exit = await Effect.runPromiseExit(program)
    say(exit._tag === "Success" ? exit.value : { error: String(exit.cause) })
    break
  }
  default:
    say({ error: `unknown command ${command}` })
}
