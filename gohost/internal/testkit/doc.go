// Package testkit holds what the tests of several packages share: modules
// built byte by byte, the shared corpus, and files owned by another user. Only
// tests import it.
package testkit
