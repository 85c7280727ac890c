/* global Buffer, URL, URLSearchParams */
// A web app that signs its server in with ChatGPT in two requests (issue 21): `/login` begins a login and redirects
// the browser to the sign-in page, keeping the pending login in a cookie; after signing in, the browser lands on
// http://127.0.0.1:1455/auth/callback?code=… (the only redirect the issuer allows), which the user pastes into the
// form at `/` — the callback handler finishes the login. No request blocks, nothing listens on 1455, and any
// replica with the same key and CODEX_HOME can finish what another began.
//
//   CODEX_AUTH_STORE_KEY=$(openssl rand -base64 32) CODEX_HOME=$(mktemp -d) node examples/web-two-step.mjs
//   (against the emulator: npx codex-auth emulator --auto-approve, then CODEX_AUTH_ISSUER=<its URL> as well)
import * as CodexAuth from "@codex-auth/node/CodexAuth"
import * as Crypto from "node:crypto"
import * as Http from "node:http"

if (!process.env.CODEX_AUTH_STORE_KEY) {
  // Every replica must share the key; a random one only works for this one process.
  console.error("CODEX_AUTH_STORE_KEY is not set: using a random key for this process only")
}
const auth = await CodexAuth.open({
  sealKey: process.env.CODEX_AUTH_STORE_KEY || Crypto.randomBytes(32)
})

const cookieName = "codex_pending"
const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
const page = (response, status, body, headers = {}) => {
  response.writeHead(status, { "content-type": "text/html; charset=utf-8", ...headers })
  response.end(`<!doctype html><title>Sign in with ChatGPT</title>${body}`)
}
const cookieOf = (request) =>
  (request.headers.cookie ?? "").split(/;\s*/).find((part) => part.startsWith(`${cookieName}=`))?.slice(
    cookieName.length + 1
  )
const readForm = async (request) => {
  let body = ""
  for await (const chunk of request) body += chunk
  return new URLSearchParams(body)
}

const server = Http.createServer(async (request, response) => {
  const url = new URL(request.url, "http://localhost")
  try {
    if (request.method === "GET" && url.pathname === "/") {
      const status = await auth.status()
      return page(
        response,
        200,
        `<p>${
          status.loggedIn ? `Signed in as ${escape(status.email)}` : "Not signed in"
        }. <a href="/login">Sign in</a></p>
<form method="post" action="/callback"><label>Paste the address you were sent to:
<input name="url" size="80"></label><button>Finish</button></form>`
      )
    }
    if (request.method === "GET" && url.pathname === "/login") {
      const pending = await auth.beginLogin()
      // Plain JSON, its secrets sealed: safe to keep on the client. HttpOnly, and only for the callback.
      const value = Buffer.from(JSON.stringify(pending)).toString("base64url")
      response.writeHead(302, {
        location: pending.authorizeUrl,
        "set-cookie": `${cookieName}=${value}; Path=/callback; HttpOnly; SameSite=Lax; Max-Age=900`
      })
      return response.end()
    }
    if (request.method === "POST" && url.pathname === "/callback") {
      const cookie = cookieOf(request)
      if (cookie === undefined) return page(response, 400, `<p>No login in progress. <a href="/login">Sign in</a></p>`)
      const pasted = (await readForm(request)).get("url") ?? ""
      const who = await auth.finishLogin(Buffer.from(cookie, "base64url").toString("utf8"), pasted)
      return page(response, 200, `<p>Signed in as ${escape(who.email)} (${escape(who.plan)}).</p>`, {
        "set-cookie": `${cookieName}=; Path=/callback; HttpOnly; Max-Age=0`
      })
    }
    page(response, 404, "<p>Not found</p>")
  } catch (error) {
    // Typed errors: wrong or used callback, expired or altered login. Their messages say what to do next.
    page(response, 400, `<p>${escape(error._tag)}: ${escape(error.message)}</p><p><a href="/login">Sign in</a></p>`)
  }
})

server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  console.log(`open http://127.0.0.1:${server.address().port}/`)
})
const stop = () => server.close(() => void auth.close())
process.on("SIGTERM", stop)
process.on("SIGINT", stop)
