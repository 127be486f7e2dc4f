// Package funclen holds the test that keeps the code on a screen: no
// function longer than MaxFuncLines and no file of the engine longer than
// MaxEngineFileLines. It is the project rule of issue 13 made executable;
// `go test ./internal/tools/funclen` fails naming every offender.
//
// How a function is measured: every FuncDecl (function or method, with a
// body) in every .go file of the module, counted from the line of its
// `func` keyword to the line of its closing brace, both included. The doc
// comment above it does not count; blank lines and comments inside it do.
// Function literals are not measured on their own: they count as lines of
// the FuncDecl that holds them, and a literal at package level (a var
// initialiser) is not measured at all.
//
// Which files: the module is found by walking up from the working directory
// to go.mod. Left out are _test.go files, generated files (a line
// `// Code generated ... DO NOT EDIT.` before the package clause, as
// ast.IsGenerated reads it), and the folders the go command ignores:
// testdata, vendor, and names starting with "." or "_"; a folder with a
// go.mod of its own is another module and is left out too. Build tags are
// not read: every file is measured.
//
// How a file of the engine is measured: every non-test .go file under
// connector/engine/ (at any depth, generated or not), as its number of
// lines, which is the number of newline characters plus one when the last
// line has none (what `wc -l` counts for a file that ends in a newline).
// While that folder does not exist the check covers nothing.
package funclen
