// danfojs-node uses xlsx only for readExcel/toExcel (see shims/README.md).
"use strict";
function unsupported(name) {
  return function () {
    throw new Error(
      `sigmoid-lab: Excel files are not supported (danfojs-node called xlsx.${name}). ` +
        "Save the sheet as CSV and use dfd.readCSV / df.toCSV instead.",
    );
  };
}
const utils = {};
for (const name of ["sheet_to_json", "json_to_sheet", "aoa_to_sheet", "book_new", "book_append_sheet", "sheet_add_json", "sheet_to_csv"]) {
  utils[name] = unsupported(`utils.${name}`);
}
module.exports = { read: unsupported("read"), readFile: unsupported("readFile"), write: unsupported("write"), writeFile: unsupported("writeFile"), utils };
