import { defineConfig } from "tsup";
import { nodePackage } from "../../tsup.base";

export default defineConfig(nodePackage({ index: "src/index.ts" }));
