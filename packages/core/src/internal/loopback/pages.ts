/** HTML served by the loopback callback server. Everything interpolated is escaped. */

const escapes: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" }

/** Escapes `& < > " '` (PROTOCOL.md §4). */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (char) => escapes[char]!)

const layout = (title: string, body: string): string =>
  `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;display:flex;min-height:100vh;margin:0;align-items:center;justify-content:center;background:#fafafa;color:#111}
main{max-width:32rem;padding:2rem;text-align:center}
h1{font-size:1.4rem}
p{line-height:1.5}
code{background:#eee;padding:.1rem .3rem;border-radius:.2rem}
</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`

/** The page `/success` serves. */
export const successPage = (): string =>
  layout(
    "Signed in to Codex",
    `<h1 id="title">Signed in to Codex</h1>
<p id="message">You are signed in. You may close this window and return to your terminal.</p>`
  )

/** The page an `error=` callback, a missing code or a failed exchange serves. */
export const errorPage = (options: { readonly message: string; readonly code?: string | undefined }): string =>
  layout(
    "Sign-in failed",
    `<h1 id="title">Sign-in failed</h1>
<p id="message">${escapeHtml(options.message)}</p>${
      options.code === undefined ? "" : `\n<p>Error code: <code id="code">${escapeHtml(options.code)}</code></p>`
    }
<p>Return to your terminal and start the login again.</p>`
  )

/** The copy for an `access_denied` whose description mentions `missing_codex_entitlement`. */
export const entitlementMessage =
  "You do not have access to Codex with this account. Ask your workspace admin to grant you access to Codex, then sign in again."
