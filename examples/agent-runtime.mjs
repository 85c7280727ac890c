/* global fetch */
// An agent runtime calling the ChatGPT backend with the Promise facade: headers from getHeaders(); on a 401,
// recoverUnauthorized() (re-read the store, refresh once) and retry once.
//
//   node examples/agent-runtime.mjs            (after `npx codex-auth login`)
//
// CODEX_HOME and CODEX_AUTH_ISSUER are honoured; CODEX_BACKEND_URL points the calls elsewhere (the tests use a stub).
import * as CodexAuth from "@codex-auth/node/CodexAuth"

const backend = process.env.CODEX_BACKEND_URL ?? "https://chatgpt.com/backend-api/codex"

const auth = await CodexAuth.open()
try {
  const call = async () => fetch(`${backend}/models`, { headers: await auth.getHeaders() })
  let response = await call()
  if (response.status === 401) {
    console.error("backend said 401: recovering the session and retrying once")
    await auth.recoverUnauthorized()
    response = await call()
  }
  console.log(`backend answered ${response.status}: ${await response.text()}`)
  process.exitCode = response.ok ? 0 : 1
} catch (error) {
  // Every failure is a class with a stable _tag and a message that says what to do next.
  console.error(`${error._tag ?? "Error"}: ${error.message}`)
  process.exitCode = 1
} finally {
  await auth.close()
}
