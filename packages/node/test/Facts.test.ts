import * as NodeRuntimeFacts from "@codex-auth/node/NodeRuntimeFacts"
import { assert, describe, it } from "@effect/vitest"

const base = { platform: "linux" as const, env: {}, wsl: false, container: false, stdinTty: true, stdoutTty: true }

describe("NodeRuntimeFacts", () => {
  it("SSH from any of SSH_CONNECTION / SSH_CLIENT / SSH_TTY", () => {
    assert.isFalse(NodeRuntimeFacts.make(base).ssh)
    for (const name of ["SSH_CONNECTION", "SSH_CLIENT", "SSH_TTY"]) {
      assert.isTrue(NodeRuntimeFacts.make({ ...base, env: { [name]: "1.2.3.4 5 6.7.8.9 22" } }).ssh, name)
    }
    assert.isFalse(NodeRuntimeFacts.make({ ...base, env: { SSH_TTY: "" } }).ssh)
  })

  it("display: DISPLAY / WAYLAND_DISPLAY on Linux only; macOS, Windows and WSL have one", () => {
    assert.isFalse(NodeRuntimeFacts.make(base).display)
    assert.isTrue(NodeRuntimeFacts.make({ ...base, env: { DISPLAY: ":0" } }).display)
    assert.isTrue(NodeRuntimeFacts.make({ ...base, env: { WAYLAND_DISPLAY: "wayland-0" } }).display)
    assert.isTrue(NodeRuntimeFacts.make({ ...base, platform: "darwin" }).display)
    assert.isTrue(NodeRuntimeFacts.make({ ...base, platform: "win32" }).display)
    assert.isTrue(NodeRuntimeFacts.make({ ...base, wsl: true }).display)
    assert.strictEqual(NodeRuntimeFacts.make({ ...base, platform: "freebsd" }).os, "other")
  })

  it("CI from CI (unless false/0) and the common CI variables", () => {
    assert.isFalse(NodeRuntimeFacts.make(base).ci)
    assert.isTrue(NodeRuntimeFacts.make({ ...base, env: { CI: "true" } }).ci)
    assert.isFalse(NodeRuntimeFacts.make({ ...base, env: { CI: "false", GITHUB_ACTIONS: "true" } }).ci)
    for (const name of ["GITHUB_ACTIONS", "GITLAB_CI", "BUILDKITE", "JENKINS_URL", "TF_BUILD"]) {
      assert.isTrue(NodeRuntimeFacts.make({ ...base, env: { [name]: "x" } }).ci, name)
    }
  })

  it("containers: the probe or Kubernetes; TTYs as probed", () => {
    assert.isTrue(NodeRuntimeFacts.make({ ...base, container: true }).container)
    assert.isTrue(NodeRuntimeFacts.make({ ...base, env: { KUBERNETES_SERVICE_HOST: "10.0.0.1" } }).container)
    assert.isFalse(NodeRuntimeFacts.make(base).container)
    const facts = NodeRuntimeFacts.make({ ...base, stdinTty: false })
    assert.isFalse(facts.stdinTty)
    assert.isTrue(facts.stdoutTty)
  })

  it("CODEX_AUTH_WSL=1|0 beats the WSL probe (and with it the display rule); anything else leaves the probe", () => {
    const claimed = NodeRuntimeFacts.make({ ...base, env: { CODEX_AUTH_WSL: "1" } })
    assert.isTrue(claimed.wsl)
    assert.isTrue(claimed.display, "WSL reaches the Windows desktop without DISPLAY")
    assert.isTrue(NodeRuntimeFacts.make({ ...base, env: { CODEX_AUTH_WSL: " Yes " } }).wsl)
    const denied = NodeRuntimeFacts.make({ ...base, wsl: true, env: { CODEX_AUTH_WSL: "0" } })
    assert.isFalse(denied.wsl)
    assert.isFalse(denied.display, "plain Linux without DISPLAY has no display")
    assert.isFalse(NodeRuntimeFacts.make({ ...base, wsl: true, env: { CODEX_AUTH_WSL: "false" } }).wsl)
    for (const value of ["", "maybe", "2"]) {
      assert.isTrue(NodeRuntimeFacts.make({ ...base, wsl: true, env: { CODEX_AUTH_WSL: value } }).wsl, value)
      assert.isFalse(NodeRuntimeFacts.make({ ...base, env: { CODEX_AUTH_WSL: value } }).wsl, value)
    }
    const previous = process.env["CODEX_AUTH_WSL"]
    process.env["CODEX_AUTH_WSL"] = "1"
    try {
      assert.isTrue(NodeRuntimeFacts.current().wsl, "read from process.env")
    } finally {
      if (previous === undefined) delete process.env["CODEX_AUTH_WSL"]
      else process.env["CODEX_AUTH_WSL"] = previous
    }
  })

  it("overrides from the environment", () => {
    const facts = NodeRuntimeFacts.make({
      ...base,
      env: { CODEX_AUTH_LOGIN_METHOD: "Device", CODEX_AUTH_INTERACTIVE: "0", BROWSER: "none" }
    })
    assert.deepStrictEqual(facts.overrides, { method: "device", interactive: false, browser: false })
    assert.deepStrictEqual(NodeRuntimeFacts.make({ ...base, env: { CODEX_AUTH_LOGIN_METHOD: "bogus" } }).overrides, {
      method: undefined,
      interactive: undefined,
      browser: undefined
    })
    assert.strictEqual(NodeRuntimeFacts.current({ method: "paste" }).overrides.method, "paste")
  })
})
