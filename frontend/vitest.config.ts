import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
    // Component tests pick happy-dom themselves (// @vitest-environment happy-dom).
    pool: "threads",
    maxWorkers: 2,
    reporters: ["default"],
  },
});
