#!/usr/bin/env node
console.log('peapod: not yet implemented');
