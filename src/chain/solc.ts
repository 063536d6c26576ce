import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

export interface CompiledContract {
  contractName: string;
  abi: unknown[];
  bytecode: string;
  /** keccak256 of the runtime bytecode is what a registry records; here the creation code. */
  deployedBytecode: string;
  solcVersion: string;
}

/** Same settings as hardhat.config.ts, so a verifier compiled here matches one compiled there. */
export const SOLC_SETTINGS = {
  optimizer: { enabled: true, runs: 10_000 },
  evmVersion: "cancun",
} as const;

/**
 * Compiles one self-contained Solidity source (a generated verifier) with the pinned solc from
 * npm, in process: providers deploy the verifier of their own setup without a Hardhat project.
 */
export function compileSolidity(fileName: string, source: string, contractName: string): CompiledContract {
  const solc = require("solc") as { compile: (input: string) => string; version: () => string };
  const input = {
    language: "Solidity",
    sources: { [fileName]: { content: source } },
    settings: {
      ...SOLC_SETTINGS,
      outputSelection: { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] } },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as {
    errors?: { severity: string; formattedMessage: string }[];
    contracts?: Record<
      string,
      Record<string, { abi: unknown[]; evm: { bytecode: { object: string }; deployedBytecode: { object: string } } }>
    >;
  };
  const errors = (output.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length > 0) {
    throw new Error(`solc failed on ${fileName}: ${errors[0]!.formattedMessage.split("\n")[0]}`);
  }
  const c = output.contracts?.[fileName]?.[contractName];
  if (!c) throw new Error(`solc output has no contract ${contractName} in ${fileName}`);
  return {
    contractName,
    abi: c.abi,
    bytecode: "0x" + c.evm.bytecode.object,
    deployedBytecode: "0x" + c.evm.deployedBytecode.object,
    solcVersion: solc.version(),
  };
}
