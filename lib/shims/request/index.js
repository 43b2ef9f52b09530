// danfojs-node uses request only to read CSV/JSON from a URL (see shims/README.md).
"use strict";
function request(options) {
  const url = typeof options === "string" ? options : options && (options.url || options.uri);
  throw new Error(
    `sigmoid-lab: danfojs-node tried to download ${url || "a URL"}; nothing is downloaded at run time here. ` +
      "Read a local file instead (dfd.readCSV(\"path/to/file.csv\")) or build the DataFrame from arrays.",
  );
}
module.exports = request;
module.exports.default = request;
module.exports.get = request;
