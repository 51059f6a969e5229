// Coverage counts the shipped code only (lib, handlers, runtime, cli), never the tests
// themselves: a test file maps to nothing, so only what tests exercise is measured.
export default () => null;
