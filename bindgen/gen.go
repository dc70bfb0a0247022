package main

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"go/printer"
	"go/token"
	"go/types"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// guestPath is gowasm's guest package, which the shims use for memory,
// frames and the description.
const guestPath = "github.com/gowasm/gowasm/guest"

// Identifiers of the generated file start with _gowasm: in -same-package
// mode they share the user's package scope, where such names are unlikely.
const (
	guestAlias = "_gowasmguest"
	shimPrefix = "_gowasm_"
)

// report is what bindgen prints for its caller.
type report struct {
	Package     string            `json:"package"`
	Dir         string            `json:"dir"`
	SamePackage bool              `json:"same_package"`
	Functions   []string          `json:"functions"`
	Skipped     map[string]string `json:"skipped"`
	// Unexported are the top-level functions of a package other than main
	// that Go does not export (lowercase names), for the host to name when
	// nothing else binds: Go exports only capitalised names.
	Unexported []string `json:"unexported"`
}

// guestExports are the wasm exports every module bindgen builds has besides
// its bindings (the guest package's, TinyGo's runtime's, Go's reactor's):
// a function of a main package of that name cannot be bound under it.
var guestExports = map[string]bool{
	"malloc": true, "free": true, "calloc": true, "realloc": true, "gowasm_describe": true,
	"_initialize": true, "_start": true, "memory": true,
}

// value is one parameter or result of a bound function: how it crosses.
type value struct {
	name string     // Go's parameter name, or pN
	typ  types.Type // as declared
	py   string     // the description's type: int, float, bool, str, bytes, json
	kind string     // the underlying basic type (int8, float32, string...), []byte or json
	// ann is the Python annotation the host shows (see annotation); for a
	// variadic parameter, its elements'.
	ann string
}

// binding is one function to bind.
type binding struct {
	decl     *ast.FuncDecl
	params   []value
	results  []value // without the error
	err      bool    // returns an error last
	variadic bool    // the last parameter is ...T: a []T, spread in the call
	// Why the ...T parameter, whose T cannot cross (opts ...Option, an
	// Option being a func), is left out: the function is called with none,
	// as Go callers may, rather than skipped. "" if it is not.
	dropped string
}

// annotated says whether b's annotations say more than its types: a JSON
// value of a known Python type, or the elements of a variadic parameter.
func (b *binding) annotated() bool {
	for _, v := range append(append([]value(nil), b.params...), b.results...) {
		if v.py == "json" && v.ann != "Any" {
			return true
		}
	}
	return b.variadic
}

func (b *binding) framed() bool {
	if b.err || len(b.results) > 1 {
		return true
	}
	for _, v := range append(append([]value(nil), b.params...), b.results...) {
		if v.py == "json" {
			return true // decoding or encoding JSON can fail: the frame says how
		}
	}
	return false
}

// generate writes the bindings of the package at path, as go build with
// buildFlags would compile it.
//
// A main package's top-level functions are bound whatever their case:
// nothing can import a program, so capitalisation means nothing there
// (func sum in the seed's own code). Not main and init, which the program
// runs itself, nor a name in reserved (the host's own attributes, which a
// binding would shadow) or guestExports.
func generate(path, overlay string, buildFlags []string, reserved map[string]bool) (*report, []byte, error) {
	l, err := load(path, overlay, buildFlags)
	if err != nil {
		return nil, nil, err
	}
	same := l.pkg.Name() == "main"
	g := &generator{l: l, same: same, aliases: map[*types.Package]string{}}
	rep := &report{Package: l.pkg.Name(), Dir: l.dir, SamePackage: same, Functions: []string{},
		Skipped: map[string]string{}, Unexported: []string{}}
	var bound []*binding
	for _, f := range l.files {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok {
				continue
			}
			name := fd.Name.Name
			if !fd.Name.IsExported() {
				switch {
				case fd.Recv != nil || name == "_" || name == "init" || (same && name == "main"):
					continue
				case !same:
					rep.Unexported = append(rep.Unexported, name)
					continue
				}
			}
			if fd.Recv != nil {
				if recv := receiverName(fd.Recv); ast.IsExported(recv) {
					rep.Skipped[recv+"."+name] = "a method: only top-level functions are bound"
				}
				continue
			}
			switch {
			case reserved[name]:
				rep.Skipped[name] = "its name would shadow the Module attribute " + name + " (rename the function to bind it)"
				continue
			case strings.HasPrefix(name, "_"):
				rep.Skipped[name] = "a name starting with _ is private to the Module object in Python (rename the function to bind it)"
				continue
			case guestExports[name]:
				rep.Skipped[name] = "its name is one of gowasm's own exports in every module it builds (rename the function to bind it)"
				continue
			}
			b, reason := g.bind(fd)
			if reason != "" {
				rep.Skipped[name] = reason
				continue
			}
			bound = append(bound, b)
			rep.Functions = append(rep.Functions, name)
		}
	}
	g.skipIgnored(rep.Skipped)
	src, err := g.source(bound, rep.Skipped)
	if err != nil {
		return nil, nil, err
	}
	return rep, src, nil
}

// skipIgnored adds to skipped the exported functions that only the files
// the build leaves out declare (x_linux.go, a cgo file): README promises a
// reason for every function without a binding.
func (g *generator) skipIgnored(skipped map[string]string) {
	for _, f := range g.l.ignored {
		if f.Name.Name != g.l.pkg.Name() {
			continue // a //go:build ignore program of package main, say
		}
		file := filepath.Base(g.l.fset.Position(f.Pos()).Filename)
		why := "its build constraints (file name or //go:build) exclude GOOS=wasip1 GOARCH=wasm"
		for _, imp := range f.Imports {
			if imp.Path.Value == `"C"` {
				why = "it uses cgo, which wasm builds have not"
			}
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv != nil || !fd.Name.IsExported() {
				continue
			}
			name := fd.Name.Name
			if _, seen := skipped[name]; seen || g.l.pkg.Scope().Lookup(name) != nil {
				continue // built from another file
			}
			skipped[name] = "only in " + file + ", which the wasm build leaves out: " + why
		}
	}
}

type generator struct {
	l       *loaded
	same    bool
	aliases map[*types.Package]string
}

// bind works out how each parameter and result of fd crosses, or why one
// cannot.
func (g *generator) bind(fd *ast.FuncDecl) (*binding, string) {
	sig := g.l.info.Defs[fd.Name].Type().(*types.Signature)
	if sig.TypeParams().Len() > 0 {
		return nil, "generic: a type parameter has no wasm form"
	}
	b := &binding{decl: fd, variadic: sig.Variadic()}
	params := sig.Params()
	for i := 0; i < params.Len(); i++ {
		p := params.At(i)
		name := p.Name()
		if name == "" || name == "_" {
			name = "p" + strconv.Itoa(i)
		}
		v, reason := g.value(name, g.spell(p.Type()), true)
		if reason != "" && sig.Variadic() && i == params.Len()-1 {
			elem := p.Type().(*types.Slice).Elem()
			b.variadic = false
			b.dropped = "gowasm calls it without its " + name + " ..." + types.TypeString(elem, g.relative) +
				" arguments: " + reason + "."
			break
		}
		if reason != "" {
			return nil, "parameter " + name + " " + types.TypeString(p.Type(), g.relative) + ": " + reason
		}
		v.ann = annotation(v, true)
		if b.variadic && i == params.Len()-1 {
			v.ann = g.elementAnnotation(p.Type().(*types.Slice).Elem())
		}
		b.params = append(b.params, v)
	}
	results := sig.Results()
	for i := 0; i < results.Len(); i++ {
		t := results.At(i).Type()
		if isError(t) {
			if i != results.Len()-1 {
				return nil, "an error result that is not the last one"
			}
			b.err = true
			continue
		}
		v, reason := g.value("r"+strconv.Itoa(i), g.spell(t), false)
		if reason != "" {
			return nil, "result " + types.TypeString(t, g.relative) + ": " + reason
		}
		v.ann = annotation(v, false)
		b.results = append(b.results, v)
	}
	return b, ""
}

// annotation is the Python annotation of a parameter (param) or result v:
// its description type's (int, str...), or for JSON what encoding/json
// makes of v's type where that is always one Python type, else Any. A
// type that encodes itself as text (MarshalText, UnmarshalText for a
// parameter: *regexp.Regexp, *big.Float, net.IP) is a JSON string, so
// str; of the types with their own MarshalJSON, which may write anything,
// only a few standard ones are known. A pointer may be nil: Optional.
func annotation(v value, param bool) string {
	if v.py != "json" {
		return v.py
	}
	t, optional := types.Unalias(v.typ), false
	for {
		p, ok := t.(*types.Pointer)
		if !ok {
			break
		}
		t, optional = types.Unalias(p.Elem()), true
	}
	// encoding/json decodes into an addressable value, so a parameter has
	// *T's methods; it encodes a result as it is, with only T's unless T
	// is behind a pointer.
	methods := optional || param
	base := "Any"
	jsonName, textName := "MarshalJSON", "MarshalText"
	if param {
		jsonName, textName = "UnmarshalJSON", "UnmarshalText"
	}
	switch {
	case hasMethod(t, methods, jsonName):
		if n, ok := t.(*types.Named); ok && n.Obj().Pkg() != nil {
			base = knownJSON[n.Obj().Pkg().Path()+"."+n.Obj().Name()]
		}
		if base == "" {
			base = "Any"
		}
	case hasMethod(t, methods, textName):
		base = "str"
	default:
		if b, ok := t.Underlying().(*types.Basic); ok {
			switch {
			case b.Info()&types.IsBoolean != 0:
				base = "bool"
			case b.Info()&types.IsInteger != 0:
				base = "int"
			case b.Info()&types.IsFloat != 0:
				base = "float"
			case b.Info()&types.IsString != 0:
				base = "str"
			}
		}
	}
	if optional && base != "Any" {
		return "Optional[" + base + "]"
	}
	return base
}

// knownJSON are the standard types whose MarshalJSON and UnmarshalJSON
// always write and read one JSON type: the Python annotation of it.
var knownJSON = map[string]string{
	"time.Time":    "str", // RFC 3339
	"math/big.Int": "int", // a JSON number, exact in Python
}

// elementAnnotation is the annotation of each argument of a ...elem
// parameter, which travels as one JSON list (bytes for ...byte).
func (g *generator) elementAnnotation(elem types.Type) string {
	v, reason := g.value("", elem, true)
	switch {
	case reason != "":
		return "Any"
	case v.py == "bytes":
		return "Any" // a []byte inside JSON is base64 text
	case v.py == "json":
		return annotation(v, true)
	}
	return v.py
}

// hasMethod says whether t (or *t, if pointer) has a method called name,
// its own or promoted from an embedded field.
func hasMethod(t types.Type, pointer bool, name string) bool {
	recv := t
	if pointer {
		recv = types.NewPointer(t)
	}
	obj, _, _ := types.LookupFieldOrMethod(recv, true, nil, name)
	_, ok := obj.(*types.Func)
	return ok
}

func (g *generator) relative(p *types.Package) string {
	if p == g.l.pkg {
		return ""
	}
	return p.Name()
}

// spell is t with each alias the generated code could not write (an
// unexported one, one in an internal package, a generic one) replaced by the
// type it stands for: the same type to Go, so the call still compiles.
// type small = int makes func F(v small) a func of an int.
func (g *generator) spell(t types.Type) types.Type {
	switch t := t.(type) {
	case *types.Alias:
		obj := t.Obj()
		pkg := obj.Pkg()
		if pkg == nil || (g.same && pkg == g.l.pkg) ||
			(obj.Exported() && !isInternal(pkg.Path()) && t.TypeArgs() == nil) {
			return t
		}
		return g.spell(types.Unalias(t))
	case *types.Pointer:
		return types.NewPointer(g.spell(t.Elem()))
	case *types.Slice:
		return types.NewSlice(g.spell(t.Elem()))
	case *types.Array:
		return types.NewArray(g.spell(t.Elem()), t.Len())
	case *types.Map:
		return types.NewMap(g.spell(t.Key()), g.spell(t.Elem()))
	case *types.Named:
		args := t.TypeArgs()
		if args == nil {
			return t
		}
		spelled := make([]types.Type, args.Len())
		for i := range spelled {
			spelled[i] = g.spell(args.At(i))
		}
		if n, err := types.Instantiate(nil, t.Origin(), spelled, false); err == nil {
			return n
		}
	case *types.Struct:
		fields := make([]*types.Var, t.NumFields())
		tags := make([]string, t.NumFields())
		for i := range fields {
			f := t.Field(i)
			fields[i] = types.NewField(f.Pos(), f.Pkg(), f.Name(), g.spell(f.Type()), f.Embedded())
			tags[i] = t.Tag(i)
		}
		return types.NewStruct(fields, tags)
	}
	return t
}

// value classifies one parameter (param) or result.
func (g *generator) value(name string, t types.Type, param bool) (value, string) {
	// Only a parameter's type is written in the shim (var a0 T); a result
	// is taken with := and encoded, so an unexported or internal type is
	// no obstacle to it.
	if param {
		if reason := g.nameable(t); reason != "" {
			return value{}, reason
		}
	}
	v := value{name: name, typ: t}
	switch u := t.Underlying().(type) {
	case *types.Basic:
		switch {
		case u.Info()&types.IsBoolean != 0:
			v.py = "bool"
		case u.Info()&types.IsInteger != 0:
			v.py = "int"
		case u.Info()&types.IsFloat != 0:
			v.py = "float"
		case u.Info()&types.IsString != 0:
			v.py = "str"
		}
		if v.py != "" && u.Kind() != types.UnsafePointer {
			v.kind = types.Typ[u.Kind()].Name() // byte is uint8, rune int32
			return v, ""
		}
	case *types.Slice:
		if e, ok := u.Elem().Underlying().(*types.Basic); ok && e.Kind() == types.Byte && !hasJSONMethods(t, param) {
			v.py, v.kind = "bytes", "[]byte"
			return v, ""
		}
	}
	if reason := jsonable(t, param, map[types.Type]bool{}); reason != "" {
		return value{}, reason
	}
	if reason := g.opaque(t, param); reason != "" {
		return value{}, reason
	}
	v.py, v.kind = "json", "json"
	return v, ""
}

// opaque says why t, or the element type of t as a pointer, slice, array or
// map, is a struct whose fields encoding/json cannot see, or "". Its JSON is
// {} whatever it holds (golang.org/x/text/width.Properties): as a result it
// says nothing, as a parameter only its zero value could be passed. Only
// the value itself is checked, not its fields' types: a struct with one
// such field still carries its others.
func (g *generator) opaque(t types.Type, param bool) string {
	for {
		if _, named := t.(*types.Named); named && hasJSONMethods(t, param) {
			return ""
		}
		switch u := t.Underlying().(type) {
		case *types.Pointer:
			t = u.Elem()
		case *types.Slice:
			t = u.Elem()
		case *types.Array:
			t = u.Elem()
		case *types.Map:
			t = u.Elem()
		case *types.Struct:
			if u.NumFields() == 0 {
				return "" // struct{}: {} is all there is to say
			}
			for i := 0; i < u.NumFields(); i++ {
				if f := u.Field(i); (f.Exported() || f.Embedded()) && !jsonOmitted(u.Tag(i)) {
					return ""
				}
			}
			return types.TypeString(t, g.relative) +
				" has only unexported fields: its JSON form is always {}"
		default:
			return ""
		}
	}
}

// nameable says why the generated code could not write type t (an
// unexported type of the package, or one from an internal package), or "".
func (g *generator) nameable(t types.Type) string {
	var reason string
	var walk func(types.Type)
	seen := map[types.Type]bool{}
	walk = func(t types.Type) {
		if reason != "" || seen[t] {
			return
		}
		seen[t] = true
		switch t := t.(type) {
		case *types.Named:
			obj := t.Obj()
			if pkg := obj.Pkg(); pkg != nil && !(g.same && pkg == g.l.pkg) {
				if !obj.Exported() {
					reason = "the unexported type " + obj.Name() + " cannot be named outside its package"
					return
				}
				if isInternal(pkg.Path()) && !g.same {
					reason = "type " + obj.Name() + " is in the internal package " + pkg.Path()
					return
				}
			}
			if args := t.TypeArgs(); args != nil {
				for i := 0; i < args.Len(); i++ {
					walk(args.At(i))
				}
			}
		case *types.Pointer:
			walk(t.Elem())
		case *types.Slice:
			walk(t.Elem())
		case *types.Array:
			walk(t.Elem())
		case *types.Map:
			walk(t.Key())
			walk(t.Elem())
		case *types.Struct:
			// An anonymous struct: an unexported field's name belongs to
			// its package, so the same literal written elsewhere is
			// another type.
			for i := 0; i < t.NumFields(); i++ {
				if f := t.Field(i); !f.Exported() && !(g.same && f.Pkg() == g.l.pkg) {
					reason = "an anonymous struct with the unexported field " + f.Name() + " cannot be written outside its package"
					return
				}
				walk(t.Field(i).Type())
			}
		}
	}
	walk(t)
	return reason
}

func isInternal(path string) bool {
	return path == "internal" || strings.HasPrefix(path, "internal/") ||
		strings.Contains(path, "/internal/") || strings.HasSuffix(path, "/internal")
}

func isError(t types.Type) bool {
	return types.Identical(t, types.Universe.Lookup("error").Type())
}

// hasJSONMethods says whether t (or *t) has its own JSON or text encoding:
// decoding a parameter needs Unmarshal*, encoding a result Marshal*.
func hasJSONMethods(t types.Type, param bool) bool {
	names := []string{"MarshalJSON", "MarshalText"}
	if param {
		names = []string{"UnmarshalJSON", "UnmarshalText"}
	}
	for _, name := range names {
		for _, recv := range []types.Type{t, types.NewPointer(t)} {
			if obj, _, _ := types.LookupFieldOrMethod(recv, true, nil, name); obj != nil {
				if _, ok := obj.(*types.Func); ok {
					return true
				}
			}
		}
	}
	return false
}

// jsonable says why encoding/json could not decode a parameter (param) or
// encode a result of type t, or "" if it can.
func jsonable(t types.Type, param bool, seen map[types.Type]bool) string {
	if seen[t] {
		return ""
	}
	seen[t] = true
	if _, named := t.(*types.Named); named && hasJSONMethods(t, param) {
		return ""
	}
	switch u := t.Underlying().(type) {
	case *types.Basic:
		switch {
		case u.Info()&types.IsComplex != 0:
			return "complex numbers have no JSON form"
		case u.Kind() == types.UnsafePointer:
			return "an unsafe.Pointer cannot cross the boundary"
		}
		return ""
	case *types.Pointer:
		return jsonable(u.Elem(), param, seen)
	case *types.Slice:
		return jsonable(u.Elem(), param, seen)
	case *types.Array:
		return jsonable(u.Elem(), param, seen)
	case *types.Map:
		k, ok := u.Key().Underlying().(*types.Basic)
		if !(ok && k.Info()&(types.IsString|types.IsInteger) != 0) && !hasJSONMethods(u.Key(), param) {
			return "JSON objects need string or integer map keys"
		}
		return jsonable(u.Elem(), param, seen)
	case *types.Struct:
		for i := 0; i < u.NumFields(); i++ {
			f := u.Field(i)
			if !f.Exported() && !f.Embedded() {
				continue // encoding/json ignores it
			}
			if jsonOmitted(u.Tag(i)) {
				continue
			}
			if reason := jsonable(f.Type(), param, seen); reason != "" {
				return "field " + f.Name() + ": " + reason
			}
		}
		return ""
	case *types.Interface:
		switch {
		case u.Empty():
			return "" // any decodes to maps, lists...; as a result, its dynamic value's JSON
		case param:
			return "JSON cannot be decoded into the interface " + types.TypeString(t, nil)
		case hasJSONMethods(t, false):
			return ""
		}
		// What comes back is the dynamic value's exported fields, which for
		// the usual implementation (a pointer to an unexported struct:
		// goldmark's parser.Parser) is {}.
		return "an interface result (" + types.TypeString(t, nil) + ") has no JSON form of its own"
	case *types.Chan:
		return "channels cannot cross the boundary"
	case *types.Signature:
		return "functions cannot cross the boundary"
	}
	return "no JSON form"
}

// jsonOmitted says whether encoding/json leaves out the field with this
// tag: `json:"-"` exactly, not `json:"-,"`, which names the field "-".
func jsonOmitted(tag string) bool {
	return reflect.StructTag(tag).Get("json") == "-"
}

func receiverName(recv *ast.FieldList) string {
	if len(recv.List) == 0 {
		return ""
	}
	t := recv.List[0].Type
	for {
		switch x := t.(type) {
		case *ast.StarExpr:
			t = x.X
		case *ast.IndexExpr:
			t = x.X
		case *ast.IndexListExpr:
			t = x.X
		case *ast.Ident:
			return x.Name
		default:
			return ""
		}
	}
}

// -- source -------------------------------------------------------------

// qualify names a package in the generated file, importing it.
func (g *generator) qualify(p *types.Package) string {
	if g.same && p == g.l.pkg {
		return ""
	}
	if a, ok := g.aliases[p]; ok {
		return a
	}
	a := "_gowasmpkg" + strconv.Itoa(len(g.aliases))
	g.aliases[p] = a
	return a
}

func (g *generator) typeString(t types.Type) string {
	return types.TypeString(t, g.qualify)
}

func (g *generator) source(bound []*binding, skipped map[string]string) ([]byte, error) {
	var body bytes.Buffer
	w := func(format string, args ...any) { fmt.Fprintf(&body, format, args...) }

	w("func init() {\n")
	for _, b := range bound {
		g.describe(&body, b)
	}
	names := make([]string, 0, len(skipped))
	for name := range skipped {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		w("\t%s.Skipped(%q, %q)\n", guestAlias, name, skipped[name])
	}
	w("}\n\n")
	for _, b := range bound {
		g.shim(&body, b)
	}

	var out bytes.Buffer
	fmt.Fprintf(&out, "// Code generated by gowasm's bindgen for %s. DO NOT EDIT.\n\npackage main\n\nimport (\n", g.l.pkg.Path())
	fmt.Fprintf(&out, "\t%s %q\n", guestAlias, guestPath)
	if !g.same {
		g.qualify(g.l.pkg) // imported even if no type of it is named
	}
	imports := make([]string, 0, len(g.aliases))
	for p, a := range g.aliases {
		imports = append(imports, fmt.Sprintf("\t%s %q\n", a, p.Path()))
	}
	sort.Strings(imports)
	for _, line := range imports {
		out.WriteString(line)
	}
	out.WriteString(")\n\n")
	out.Write(body.Bytes())
	if !g.same {
		out.WriteString("func main() {}\n")
	}
	src, err := format.Source(out.Bytes())
	if err != nil {
		return nil, fmt.Errorf("bindgen wrote invalid Go (a bug): %v\n%s", err, out.Bytes())
	}
	return src, nil
}

// describe writes b's gowasm.Export call.
func (g *generator) describe(w *bytes.Buffer, b *binding) {
	list := func(vals []value, field func(value) string) string {
		parts := make([]string, len(vals))
		for i, v := range vals {
			parts[i] = strconv.Quote(field(v))
		}
		return strings.Join(parts, ", ")
	}
	goKinds := func(v value) string { return v.kind }
	name := b.decl.Name.Name
	doc := b.decl.Doc.Text()
	if b.dropped != "" {
		doc = strings.TrimSuffix(doc+"\n"+b.dropped, "\n")
		doc = strings.TrimPrefix(doc, "\n")
	}
	resultKinds := list(b.results, goKinds)
	if b.err {
		resultKinds = strings.TrimPrefix(resultKinds+`, "error"`, ", ")
	}
	fmt.Fprintf(w, "\t%s.Export(%q,\n\t\t%s.Params(%s), %s.Results(%s),\n", guestAlias, name,
		guestAlias, typeList(b.params), guestAlias, typeList(b.results))
	fmt.Fprintf(w, "\t\t%s.Names(%s),\n", guestAlias, list(b.params, func(v value) string { return v.name }))
	if b.framed() {
		fmt.Fprintf(w, "\t\t%s.Framed(),\n", guestAlias)
	}
	if b.variadic {
		fmt.Fprintf(w, "\t\t%s.Variadic(),\n", guestAlias)
	}
	if b.annotated() {
		anns := func(v value) string { return v.ann }
		fmt.Fprintf(w, "\t\t%s.Annotations([]string{%s}, []string{%s}),\n", guestAlias,
			list(b.params, anns), list(b.results, anns))
	}
	fmt.Fprintf(w, "\t\t%s.GoFunc(%q, %q, []string{%s}, []string{%s}))\n", guestAlias,
		g.declaration(b.decl), doc, list(b.params, goKinds), resultKinds)
}

func typeList(vals []value) string {
	parts := make([]string, len(vals))
	for i, v := range vals {
		parts[i] = guestAlias + "." + map[string]string{
			"int": "Int", "float": "Float", "bool": "Bool", "str": "String", "bytes": "Bytes", "json": "JSON",
		}[v.py]
	}
	return strings.Join(parts, ", ")
}

// declaration is fd's declaration as written: func Sum(x, y int) int.
func (g *generator) declaration(fd *ast.FuncDecl) string {
	decl := *fd
	decl.Doc, decl.Body = nil, nil
	var b bytes.Buffer
	if err := printer.Fprint(&b, token.NewFileSet(), &decl); err != nil {
		return "func " + fd.Name.Name
	}
	return b.String()
}

// wasmParam is the Go type of a scalar's shim parameter: a type
// //go:wasmexport accepts that holds every value of the kind.
func wasmParam(kind string) string {
	switch kind {
	case "bool":
		return "uint32"
	case "int8", "int16", "int32":
		return "int32"
	case "uint8", "uint16", "uint32":
		return "uint32"
	case "int", "int64":
		return "int64"
	case "uint", "uint64", "uintptr":
		return "uint64"
	}
	return kind // float32, float64
}

// wasmResult is the Go type of a scalar shim result. Unsigned 8 to 32 bit
// values widen to int64 so that Python, which reads wasm integers as
// signed, sees them as they are; 64-bit unsigned ones stay uint64 and the
// host reinterprets them from the description.
func wasmResult(kind string) string {
	switch kind {
	case "int8", "int16", "int32", "int", "int64", "uint8", "uint16", "uint32":
		return "int64"
	}
	return wasmParam(kind)
}

// shim writes b's //go:wasmexport function.
func (g *generator) shim(w *bytes.Buffer, b *binding) {
	name := b.decl.Name.Name
	var params, args []string
	var prologue bytes.Buffer
	for i, v := range b.params {
		p := "p" + strconv.Itoa(i)
		a := "a" + strconv.Itoa(i)
		t := g.typeString(v.typ)
		switch v.py {
		case "str":
			params = append(params, p+"ptr, "+p+"len uint32")
			fmt.Fprintf(&prologue, "\t%s := %s(%s.ReadString(%sptr, %slen))\n", a, t, guestAlias, p, p)
		case "bytes":
			params = append(params, p+"ptr, "+p+"len uint32")
			fmt.Fprintf(&prologue, "\t%s := %s(%s.ReadBytes(%sptr, %slen))\n", a, t, guestAlias, p, p)
		case "json":
			params = append(params, p+"ptr, "+p+"len uint32")
			fmt.Fprintf(&prologue, "\tvar %s %s\n\tif err := %s.ReadJSON(%sptr, %slen, &%s); err != nil {\n\t\treturn %s.ReturnArgError(%q, err)\n\t}\n",
				a, t, guestAlias, p, p, a, guestAlias, v.name)
		case "bool":
			params = append(params, p+" uint32")
			fmt.Fprintf(&prologue, "\t%s := %s(%s != 0)\n", a, t, p)
		default:
			params = append(params, p+" "+wasmParam(v.kind))
			fmt.Fprintf(&prologue, "\t%s := %s(%s)\n", a, t, p)
		}
		args = append(args, a)
	}
	var lhs []string
	for i := range b.results {
		lhs = append(lhs, "r"+strconv.Itoa(i))
	}
	if b.err {
		lhs = append(lhs, "err")
	}
	call := g.qualify(g.l.pkg)
	if call != "" {
		call += "."
	}
	call += name + "(" + strings.Join(args, ", ")
	if b.variadic {
		call += "..."
	}
	call += ")"
	if len(lhs) > 0 {
		call = strings.Join(lhs, ", ") + " := " + call
	}

	framed := b.framed()
	result := ""
	switch {
	case framed:
		result = " uint64"
	case len(b.results) == 1:
		switch v := b.results[0]; v.py {
		case "str", "bytes":
			result = " uint64"
		case "bool":
			result = " uint32"
		default:
			result = " " + wasmResult(v.kind)
		}
	}
	fmt.Fprintf(w, "//go:wasmexport %s\nfunc %s%s(%s)%s {\n", name, shimPrefix, name, strings.Join(params, ", "), result)
	// A panic traps with its message for the host, not Go's goroutine dump.
	fmt.Fprintf(w, "\tdefer %s.Recover()\n", guestAlias)
	w.Write(prologue.Bytes())
	fmt.Fprintf(w, "\t%s\n", call)
	switch {
	case framed:
		if b.err {
			fmt.Fprintf(w, "\tif err != nil {\n\t\treturn %s.ReturnError(err)\n\t}\n", guestAlias)
		}
		fmt.Fprintf(w, "\tvar frame %s.Frame\n", guestAlias)
		for i, v := range b.results {
			r := "r" + strconv.Itoa(i)
			switch v.py {
			case "int":
				if strings.HasPrefix(v.kind, "u") {
					fmt.Fprintf(w, "\tframe.Uint(uint64(%s))\n", r)
				} else {
					fmt.Fprintf(w, "\tframe.Int(int64(%s))\n", r)
				}
			case "float":
				fmt.Fprintf(w, "\tframe.Float(float64(%s))\n", r)
			case "bool":
				fmt.Fprintf(w, "\tframe.Bool(bool(%s))\n", r)
			case "str":
				fmt.Fprintf(w, "\tframe.String(string(%s))\n", r)
			case "bytes":
				fmt.Fprintf(w, "\tframe.Bytes([]byte(%s))\n", r)
			case "json":
				fmt.Fprintf(w, "\tif err := frame.JSON(%s); err != nil {\n\t\treturn %s.ReturnError(err)\n\t}\n", r, guestAlias)
			}
		}
		w.WriteString("\treturn frame.Return()\n")
	case len(b.results) == 1:
		switch v := b.results[0]; v.py {
		case "str":
			fmt.Fprintf(w, "\treturn %s.ReturnString(string(r0))\n", guestAlias)
		case "bytes":
			fmt.Fprintf(w, "\treturn %s.ReturnBytes([]byte(r0))\n", guestAlias)
		case "bool":
			w.WriteString("\tif r0 {\n\t\treturn 1\n\t}\n\treturn 0\n")
		default:
			fmt.Fprintf(w, "\treturn %s(r0)\n", wasmResult(v.kind))
		}
	}
	w.WriteString("}\n\n")
}
