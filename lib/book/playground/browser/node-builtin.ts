/**
 * Node's built-in modules (fs, path, os, …) in the playground's browser
 * bundle: an empty module. Library files the page imports also hold Node-only
 * helpers (e.g. reading plotly.js from node_modules); the page never calls
 * them, and a call would fail with "… is not a function". zlib, crypto and
 * Buffer, which the tile pictures do use, have real stand-ins next to this file.
 */
export {};
