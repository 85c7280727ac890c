/** The text of the console presenter, as pure functions of the events. */
import type { LoginEvent } from "@codex-auth/core/LoginPresenter"

export const spinnerFrames: ReadonlyArray<string> = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]

/** `mm:ss`, never negative. */
export const formatRemaining = (millis: number): string => {
  const seconds = Math.max(0, Math.ceil(millis / 1000))
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`
}

const humanDuration = (millis: number): string => {
  const minutes = Math.round(millis / 60_000)
  return minutes >= 1 ? `${minutes} minute${minutes === 1 ? "" : "s"}` : `${Math.round(millis / 1000)} seconds`
}

export const phishingWarning =
  "Only enter this code for a login you started yourself. Anyone who asks you for it could take over your account."

/** The lines an event prints (without the live spinner), or `undefined` for events shown elsewhere. */
export const render = (event: LoginEvent, now: number): string | undefined => {
  switch (event._tag) {
    case "BrowserLoginStarted":
      return event.browserCanOpen
        ? `! Sign in with ChatGPT in your browser. If it does not open, visit:\n  ${event.authorizeUrl}\n`
        : `! Open this address in a browser to sign in with ChatGPT:\n  ${event.authorizeUrl}\n`
    case "BrowserOpened":
      return "✓ Opened the browser; waiting for you to sign in…\n"
    case "BrowserOpenFailed":
      return `! Could not open a browser (${event.reason}). Open the address above yourself.\n`
    case "PasteRequested":
      // The paste flow's only announcement of the URL; the console presenter shows it once per login
      // (`pasteRequestedText`), not again on a retry or after `BrowserLoginStarted` showed it.
      return pasteRequestedText(event.authorizeUrl)
    case "PasteRejected":
      return `✗ That address was rejected: ${event.reason}. Try again.\n`
    case "DeviceCodeIssued":
      return `! First copy your one-time code: ${event.userCode} (expires in ${
        humanDuration(event.expiresAt - now)
      })\n` +
        `  Then open ${event.verificationUrl} and enter it.\n` +
        `  ${phishingWarning}\n`
    case "FallbackStarted":
      return `→ ${event.reason.charAt(0).toUpperCase()}${
        event.reason.slice(1)
      }: signing in with a device code instead.\n`
    case "CallbackReceived":
      return "✓ Authorization received; finishing sign-in…\n"
    case "LoginSucceeded": {
      const who = event.email ?? event.accountId ?? "your ChatGPT account"
      return `✓ Logged in as ${who}${event.plan === undefined ? "" : ` (${event.plan})`}\n`
    }
    case "LoginFailed":
      return `✗ ${event.message}\n`
  }
}

/** The URL to open for the paste flow, on a line of its own (never wrapped, so it copies whole). */
export const pasteRequestedText = (authorizeUrl: string): string =>
  `! Open this address in a browser and sign in with ChatGPT:\n  ${authorizeUrl}\n`

/** The paste prompt: "Or …" while a loopback races it (browser flow), else the only way back. */
export const pastePrompt = (racing: boolean): string =>
  racing
    ? "  Or paste the address the browser shows after you sign in, then press Enter:\n"
    : "  Then paste the address the browser shows after you sign in (it may say the page cannot be reached), " +
      "and press Enter:\n"

/** One frame of the device-code wait line. */
export const waitingLine = (frame: number, remainingMillis: number): string =>
  `\r\x1b[2K${spinnerFrames[frame % spinnerFrames.length]} Waiting for the code to be entered… ${
    formatRemaining(remainingMillis)
  } left`

export const clearLine = "\r\x1b[2K"
