import { defineConfig } from "vitest/config"
import WeightedSequencer from "./test/support/sequencer.js"

// Every package's tests and the cross-package suites run against the TypeScript sources
// (the "source" export condition), so one copy of each module is loaded.
const shared = {
  resolve: { conditions: ["source"] },
  ssr: { resolve: { conditions: ["source"], externalConditions: ["source"] } }
}

// No test may lean on vitest's 5 s default while child processes start on a busy machine (CI runs beside other
// work): every project gets room, and a test that needs more says so itself.
const timeouts = { testTimeout: 60_000, hookTimeout: 120_000 }

export default defineConfig({
  test: {
    sequence: { sequencer: WeightedSequencer },
    projects: [
      { ...shared, test: { ...timeouts, name: "core", include: ["packages/core/test/**/*.test.ts"] } },
      { ...shared, test: { ...timeouts, name: "accounts", include: ["packages/accounts/test/**/*.test.ts"] } },
      { ...shared, test: { ...timeouts, name: "adapters", include: ["packages/adapters/test/**/*.test.ts"] } },
      { ...shared, test: { ...timeouts, name: "emulator", include: ["packages/emulator/test/**/*.test.ts"] } },
      { ...shared, test: { ...timeouts, name: "keyring", include: ["packages/keyring/test/**/*.test.ts"] } },
      { ...shared, test: { ...timeouts, name: "facade", include: ["packages/facade/test/**/*.test.ts"] } },
      { ...shared, test: { ...timeouts, name: "cli", include: ["packages/cli/test/**/*.test.ts"] } },
      { ...shared, test: { ...timeouts, name: "app-server", include: ["packages/app-server/test/**/*.test.ts"] } },
      { ...shared, test: { ...timeouts, name: "node", include: ["packages/node/test/**/*.test.ts"] } },
      { ...shared, test: { ...timeouts, name: "postgres", include: ["packages/postgres/test/**/*.test.ts"] } },
      { ...shared, test: { ...timeouts, name: "broker", include: ["packages/broker/test/**/*.test.ts"] } },
      {
        ...shared,
        test: { name: "e2e", include: ["test/**/*.test.ts"], testTimeout: 120_000, hookTimeout: 180_000 }
      }
    ]
  }
})
