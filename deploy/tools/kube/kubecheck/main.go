// Command kubecheck validates Kubernetes objects offline the way an API
// server does on create: each YAML document is decoded strictly (an unknown
// or duplicated field is an error) into the typed object of its apiVersion
// and kind, defaulted, converted to the internal version and passed through
// the API server's own create strategy (k8s.io/kubernetes/pkg/registry:
// PrepareForCreate, then Validate), so required fields, names, label
// selectors against template labels, probes, ports, resource quantities and
// the rest are judged by the code that would judge them in a cluster. A kind
// it has no strategy for is an error, never a silent pass.
//
//	helm template … | kubecheck [-namespace NS]
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/kubernetes/pkg/api/legacyscheme"
	"sigs.k8s.io/yaml"

	_ "k8s.io/kubernetes/pkg/apis/apps/install"
	_ "k8s.io/kubernetes/pkg/apis/autoscaling/install"
	_ "k8s.io/kubernetes/pkg/apis/batch/install"
	_ "k8s.io/kubernetes/pkg/apis/core/install"
	_ "k8s.io/kubernetes/pkg/apis/policy/install"
	"k8s.io/kubernetes/pkg/registry/apps/deployment"
	"k8s.io/kubernetes/pkg/registry/autoscaling/horizontalpodautoscaler"
	"k8s.io/kubernetes/pkg/registry/batch/job"
	"k8s.io/kubernetes/pkg/registry/core/configmap"
	"k8s.io/kubernetes/pkg/registry/core/secret"
	"k8s.io/kubernetes/pkg/registry/core/service"
	"k8s.io/kubernetes/pkg/registry/core/serviceaccount"
	"k8s.io/kubernetes/pkg/registry/policy/poddisruptionbudget"
)

// strategies are the create strategies of the kinds a chart may hold, by
// group and kind.
var strategies = map[schema.GroupKind]rest.RESTCreateStrategy{
	{Group: "apps", Kind: "Deployment"}:                     deployment.Strategy,
	{Group: "", Kind: "Service"}:                            service.Strategy,
	{Group: "", Kind: "ConfigMap"}:                          configmap.Strategy,
	{Group: "", Kind: "Secret"}:                             secret.Strategy,
	{Group: "", Kind: "ServiceAccount"}:                     serviceaccount.Strategy,
	{Group: "batch", Kind: "Job"}:                           job.Strategy,
	{Group: "policy", Kind: "PodDisruptionBudget"}:          poddisruptionbudget.Strategy,
	{Group: "autoscaling", Kind: "HorizontalPodAutoscaler"}: horizontalpodautoscaler.Strategy,
}

func main() {
	namespace := flag.String("namespace", "default", "the namespace objects without one are created in")
	flag.Parse()
	n, errs := check(os.Stdin, *namespace, os.Stdout)
	if len(errs) > 0 {
		for _, err := range errs {
			fmt.Fprintln(os.Stderr, "INVALID", err)
		}
		fmt.Fprintf(os.Stderr, "kubecheck: %d of %d objects invalid\n", len(errs), n)
		os.Exit(1)
	}
	if n == 0 {
		fmt.Fprintln(os.Stderr, "kubecheck: no objects in the input")
		os.Exit(1)
	}
	fmt.Printf("kubecheck: %d objects valid\n", n)
}

// check validates every document of r; it returns how many objects it saw
// and an error per invalid one.
func check(r io.Reader, namespace string, out io.Writer) (int, []error) {
	scheme := legacyscheme.Scheme
	strict := json.NewSerializerWithOptions(json.DefaultMetaFactory, scheme, scheme,
		json.SerializerOptions{Yaml: false, Strict: true})
	reader := utilyaml.NewYAMLReader(bufio.NewReader(r))
	n := 0
	var errs []error
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return n, append(errs, fmt.Errorf("read YAML: %w", err))
		}
		// YAML to JSON, refusing duplicate keys. A document of only
		// comments (Helm prints `# Source:` headers) is null.
		js, err := yaml.YAMLToJSONStrict(doc)
		if err == nil && string(js) == "null" {
			continue
		}
		n++
		name := "document"
		if err != nil {
			err = fmt.Errorf("YAML: %w", err)
		} else {
			name, err = checkOne(strict, scheme, js, namespace)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
			continue
		}
		fmt.Fprintf(out, "valid %s\n", name)
	}
	return n, errs
}

func checkOne(strict runtime.Decoder, scheme *runtime.Scheme, js []byte, namespace string) (string, error) {
	obj, gvk, err := strict.Decode(js, nil, nil)
	name := "object"
	if gvk != nil {
		name = gvk.Kind
	}
	if err != nil {
		return name, fmt.Errorf("decode: %w", err)
	}
	if m, ok := obj.(interface{ GetName() string }); ok {
		name += "/" + m.GetName()
	}
	strategy, ok := strategies[gvk.GroupKind()]
	if !ok {
		return name, fmt.Errorf("kubecheck has no create strategy for %s: add one or leave the kind out", gvk)
	}
	// What the API server does with a request body: defaults for its
	// version, then the internal version its strategies judge.
	scheme.Default(obj)
	internal, err := scheme.ConvertToVersion(obj, schema.GroupVersion{Group: gvk.Group, Version: runtime.APIVersionInternal})
	if err != nil {
		return name, fmt.Errorf("convert: %w", err)
	}
	ctx := genericapirequest.WithNamespace(context.Background(), namespace)
	m, err := meta.Accessor(internal)
	if err != nil {
		return name, err
	}
	if strategy.NamespaceScoped() && m.GetNamespace() == "" {
		m.SetNamespace(namespace)
	}
	// As the API server's create handler does before the strategy runs.
	rest.FillObjectMetaSystemFields(m)
	if err := rest.BeforeCreate(strategy, ctx, internal); err != nil {
		return name, err
	}
	return name, nil
}
