import assert from 'node:assert/strict';
import { test } from 'node:test';
import { executableProductsIn } from './package-manifest.js';

test('executable products and executable targets are found; comments and libraries are not', () => {
  const manifest = `
    // .executable(name: "commented", targets: [])
    /* .executableTarget(name: "blocked") */
    let package = Package(
      name: "p",
      products: [ .executable( name : "app", targets: ["app"]), .library(name: "lib", targets: ["lib"]) ],
      targets: [ .executableTarget(name: "tool"), .target(name: "lib") ]
    )`;
  assert.deepEqual(executableProductsIn(manifest).sort(), ['app', 'tool']);
});
