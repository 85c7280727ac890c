import { defineConfig } from "vitest/config"

// Every package's tests and the cross-package suites run against the TypeScript sources
// (the "source" export condition), so one copy of each module is loaded.
const shared = {
  resolve: { conditions: ["source"] },
  ssr: { resolve: { conditions: ["source"], externalConditions: ["source"] } }
}

export default defineConfig({
  test: {
    projects: [
      { ...shared, test: { name: "core", include: ["packages/core/test/**/*.test.ts"] } },
      { ...shared, test: { name: "adapters", include: ["packages/adapters/test/**/*.test.ts"] } },
      { ...shared, test: { name: "node", include: ["packages/node/test/**/*.test.ts"] } },
      {
        ...shared,
        test: { name: "e2e", include: ["test/**/*.test.ts"], testTimeout: 120_000, hookTimeout: 180_000 }
      }
    ]
  }
})
