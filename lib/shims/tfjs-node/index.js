// danfojs-node requires "@tensorflow/tfjs-node"; give it the project's one tfjs (see shims/README.md).
module.exports = require("@tensorflow/tfjs");
