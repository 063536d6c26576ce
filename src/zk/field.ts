/**
 * The BN254 moduli, in a module of their own: the prover and the calldata packer both need them,
 * and neither imports the other for them (no prover ↔ calldata cycle).
 */
/** The BN254 base field modulus q (proof coordinates live in F_q). */
export const BN254_Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;
/** The BN254 scalar field modulus r (public signals live in F_r). */
export const BN254_R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
