/* global fetch */
// A custom login handler: your UI (a webview, an Electron window, …) receives the authorize URL and returns the
// URL the browser was redirected to. Here the "UI" is a fetch that stops at the redirect — which only completes
// against an issuer that approves without a human (the emulator with --auto-approve). A real app shows the page.
//
//   npx codex-auth emulator --auto-approve     (prints its URL)
//   CODEX_AUTH_ISSUER=<that URL> CODEX_HOME=$(mktemp -d) node examples/custom-login-handler.mjs
import * as CodexAuth from "@codex-auth/node/CodexAuth"

const auth = await CodexAuth.open({
  // The issuer allow-lists ports 1455 and 1457; LOOPBACK_PORT lets the tests use a free one.
  loopbackPorts: process.env.LOOPBACK_PORT ? [Number(process.env.LOOPBACK_PORT)] : undefined,
  loginHandler: async ({ authorizeUrl, redirectUri }) => {
    console.error(`showing the sign-in page; waiting for a redirect to ${redirectUri}`)
    const response = await fetch(authorizeUrl, { redirect: "manual" })
    return response.headers.get("location") ?? ""
  }
})
try {
  const who = await auth.login()
  console.log(`logged in as ${who.email} (${who.plan}) with the ${who.method} flow`)
} catch (error) {
  console.error(`${error._tag}: ${error.message}`)
  process.exitCode = 1
} finally {
  await auth.close()
}
