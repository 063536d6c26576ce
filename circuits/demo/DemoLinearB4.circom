pragma circom 2.1.6;

include "DemoLinearBatch.circom";

// DemoLinear for 4 requests per proof (see DemoLinearBatch.circom): N = 1 + 2·4 public signals.
component main {public [weightsCommitment, pairs]} = DemoLinearBatch(4, 4);
