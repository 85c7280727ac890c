// The emulator's HTML pages: small, accessible (the buttons' accessible names are `Allow` and `Deny`) and
// escaped everywhere a value is interpolated.
import { escapeHtml } from "./encoding.ts"

const layout = (title: string, body: string): string =>
  `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${
    escapeHtml(title)
  }</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem}button{font-size:1rem;padding:.5rem 1.25rem;margin-right:.5rem}</style>
</head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
${body}
</main>
</body>
</html>
`

const userPicker = (emails: ReadonlyArray<string>): string =>
  emails.length <= 1
    ? emails.map((email) => `<input type="hidden" name="email" value="${escapeHtml(email)}">`).join("")
    : `<p><label for="email">Account</label> <select id="email" name="email">${
      emails.map((email) => `<option value="${escapeHtml(email)}">${escapeHtml(email)}</option>`).join("")
    }</select></p>`

export const consentPage = (options: {
  readonly requestId: string
  readonly clientId: string
  readonly emails: ReadonlyArray<string>
}): string =>
  layout(
    "Sign in to Codex with ChatGPT",
    `<p>The application <code>${escapeHtml(options.clientId)}</code> asks to access your ChatGPT account.</p>
<form method="post" action="/oauth/authorize/consent">
<input type="hidden" name="request_id" value="${escapeHtml(options.requestId)}">
${userPicker(options.emails)}
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>`
  )

export const devicePage = (options: { readonly userCode: string; readonly emails: ReadonlyArray<string> }): string =>
  layout(
    "Connect a device to Codex",
    `<p>Enter the code shown in your terminal. Only continue for a login you started yourself.</p>
<form method="post" action="/codex/device">
<p><label for="user_code">Code</label> <input id="user_code" name="user_code" autocomplete="off" value="${
      escapeHtml(options.userCode)
    }"></p>
${userPicker(options.emails)}
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>`
  )

export const messagePage = (title: string, message: string): string => layout(title, `<p>${escapeHtml(message)}</p>`)

export const errorPage = (error: string, description: string): string =>
  layout("Sign-in error", `<p><strong>${escapeHtml(error)}</strong></p><p>${escapeHtml(description)}</p>`)
