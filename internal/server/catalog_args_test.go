package server_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"mamori/web/i18n"
)

// verbRE finds the fmt verbs of a catalog message ("%d", "%[2]s"; "%%" is
// no verb).
var verbRE = regexp.MustCompile(`%(?:\[(\d+)\])?[-+# 0]*\d*(?:\.\d+)?([a-zA-Z%])`)

// verbsOf is the number of arguments a message takes.
func verbsOf(msg string) int {
	n, seq := 0, 0
	for _, m := range verbRE.FindAllStringSubmatch(msg, -1) {
		if m[2] == "%" {
			continue
		}
		if m[1] != "" {
			seq, _ = strconv.Atoi(m[1])
		} else {
			seq++
		}
		n = max(n, seq)
	}
	return n
}

// TestCatalogMessagesGetTheirArguments reads every call that names a catalog
// message (i18n.T and TL, apperr.K and InvalidFieldsK) in the product's code
// and checks that it passes as many arguments as the message has verbs, in
// both languages: a message shown with fewer ends in a literal "%s" (as an
// import error of the API did), one with more in "%!(EXTRA …)". A key built
// from a prefix ("import.file."+code) is checked against every key with it.
func TestCatalogMessagesGetTheirArguments(t *testing.T) {
	calls := map[string]int{"i18n.T": 1, "i18n.TL": 1, "apperr.K": 1, "apperr.InvalidFieldsK": 0}
	checked := 0
	err := filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != "../.." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || call.Ellipsis.IsValid() {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			pkg, ok := sel.X.(*ast.Ident)
			if !ok {
				return true
			}
			keyAt, ok := calls[pkg.Name+"."+sel.Sel.Name]
			if !ok || len(call.Args) <= keyAt {
				return true
			}
			args := len(call.Args) - keyAt - 1
			if sel.Sel.Name == "InvalidFieldsK" {
				args-- // the fields map
			}
			pattern, ok := catalogKey(call.Args[keyAt])
			if !ok {
				return true
			}
			keyRE := regexp.MustCompile("^" + pattern + "$")
			for _, lang := range i18n.Langs {
				// A key built at run time ("import.file."+code) names one of
				// the keys it matches: some of them must take the arguments.
				var fits bool
				var names []string
				for k, msg := range i18n.Catalog(lang) {
					if !keyRE.MatchString(k) {
						continue
					}
					checked++
					names = append(names, fmt.Sprintf("%q (%d)", msg, verbsOf(msg)))
					if verbsOf(msg) == args {
						fits = true
					}
				}
				if names != nil && !fits {
					t.Errorf("%s: %s(%s) passes %d arguments; the %s message takes another number: %s",
						fset.Position(call.Pos()), sel.Sel.Name, pattern, args, lang, strings.Join(names, ", "))
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 100 {
		t.Fatalf("only %d calls checked: the scan finds nothing", checked)
	}
}

// catalogKey is the key a call names, as a regular expression: a string
// literal, or a concatenation whose non-literal parts match any key segment.
func catalogKey(e ast.Expr) (pattern string, ok bool) {
	switch v := e.(type) {
	case *ast.BasicLit:
		s, err := strconv.Unquote(v.Value)
		return regexp.QuoteMeta(s), err == nil
	case *ast.BinaryExpr:
		if v.Op != token.ADD {
			return "", false
		}
		x, okX := catalogKey(v.X)
		y, okY := catalogKey(v.Y)
		if !okX && !okY {
			return "", false
		}
		if !okX {
			x = `[a-z0-9_]+`
		}
		if !okY {
			y = `[a-z0-9_]+`
		}
		return x + y, true
	}
	return "", false
}
