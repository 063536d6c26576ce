pragma circom 2.1.6;

include "DemoLinearBatch.circom";

// DemoLinear for 16 requests per proof (see DemoLinearBatch.circom): N = 1 + 2·16 public signals.
component main {public [weightsCommitment, pairs]} = DemoLinearBatch(4, 16);
