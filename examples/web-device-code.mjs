// Showing the device code in a web UI through the event stream: a tiny page shows the code and the verification
// URL while the login waits; the login ends when the user enters the code at the issuer.
//
//   CODEX_HOME=$(mktemp -d) node examples/web-device-code.mjs    (then open the printed address)
import * as CodexAuth from "@codex-auth/node/CodexAuth"
import * as Http from "node:http"

const auth = await CodexAuth.open({ flow: "device", interactive: true })
let latest = "Starting the sign-in…"
const escape = (text) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

const server = Http.createServer((_request, response) => {
  response.writeHead(200, { "content-type": "text/html; charset=utf-8", refresh: "2" })
  response.end(`<!doctype html><title>Sign in</title><p>${latest}</p>`)
})
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve))
console.log(`open http://127.0.0.1:${server.address().port}/ to see the sign-in code`)

const watcher = (async () => {
  for await (const event of auth.events()) {
    if (event._tag === "DeviceCodeIssued") {
      latest = `Go to <a href="${escape(event.verificationUrl)}">${escape(event.verificationUrl)}</a> and enter ` +
        `<code id="user-code">${escape(event.userCode)}</code>. Only enter it for a login you started.`
    }
    if (event._tag === "LoginSucceeded") latest = `Signed in as ${escape(event.email ?? "your account")}.`
    if (event._tag === "LoginFailed") latest = `Sign-in failed: ${escape(event.message)}`
  }
})()

try {
  const who = await auth.login()
  console.log(`logged in as ${who.email} with the ${who.method} flow`)
} catch (error) {
  console.error(`${error._tag}: ${error.message}`)
  process.exitCode = 1
} finally {
  await auth.close()
  await watcher
  server.close()
}
