// tsserver loads plugins by package name from the extension's node_modules; the plugin itself is bundled with the
// extension (dist/ts-plugin.js, beside the SDK declarations it serves). npm installs this folder as a copy
// (install-links), so the path below holds from node_modules/runlight-ts-plugin in the repository and in the .vsix.
module.exports = require('../../dist/ts-plugin.js').init;
