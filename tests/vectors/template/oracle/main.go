// Template oracle: seals each case with upstream's own NewSealedSecret (sealed-secrets
// v0.36.6) for the throw-away test key, adds spec.template.data, and unseals it with
// upstream's own SealedSecret.Unseal, the function the Bitnami controller calls. It
// prints, per case, the SealedSecret and what Unseal produced (data, or that it failed).
//
//	go run . ../../test-key.pem < ../cases.json > ../expected.json
//
// With a second argument `probes` it reads one value set and a list of templates, and
// prints for each template what Unseal rendered under the key "t", without the
// SealedSecrets (`probes.json` -> `probes-expected.json`).
package main

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"

	ssv1 "github.com/bitnami-labs/sealed-secrets/pkg/apis/sealedsecrets/v1alpha1"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/scheme"
)

type testCase struct {
	Name      string            `json:"name"`
	Values    map[string]string `json:"values"`
	Bytes     map[string][]byte `json:"bytes"` // base64 in JSON: values that are not UTF-8
	Templates map[string]string `json:"templates"`
}

type probeSet struct {
	Values    map[string]string `json:"values"`
	Bytes     map[string][]byte `json:"bytes"`
	Templates []string          `json:"templates"`
}

type probeResult struct {
	Template string `json:"template"`
	Output   []byte `json:"output,omitempty"`
	Failed   bool   `json:"failed,omitempty"`
	Error    string `json:"upstreamError,omitempty"`
}

type result struct {
	Name   string             `json:"name"`
	Sealed *ssv1.SealedSecret `json:"sealed"`
	Data   map[string][]byte  `json:"data,omitempty"`
	Failed bool               `json:"failed,omitempty"`
	Error  string             `json:"upstreamError,omitempty"`
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "oracle:", err)
		os.Exit(1)
	}
}

func run() error {
	if len(os.Args) < 2 || len(os.Args) > 3 {
		return fmt.Errorf("usage: oracle KEY.pem [probes] < cases.json")
	}
	keyPEM, err := os.ReadFile(os.Args[1])
	if err != nil {
		return err
	}
	block, _ := pem.Decode(keyPEM)
	if block == nil {
		return fmt.Errorf("%s: no PEM block", os.Args[1])
	}
	key, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	if err != nil {
		return err
	}
	if len(os.Args) == 3 && os.Args[2] == "probes" {
		return probes(key)
	}
	var cases []testCase
	if err := json.NewDecoder(os.Stdin).Decode(&cases); err != nil {
		return err
	}
	results := make([]result, 0, len(cases))
	for _, c := range cases {
		data := map[string][]byte{}
		for k, v := range c.Values {
			data[k] = []byte(v)
		}
		for k, v := range c.Bytes {
			data[k] = v
		}
		secret := &v1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: "tmpl", Namespace: "vectors"},
			Data:       data,
		}
		ss, err := ssv1.NewSealedSecret(scheme.Codecs, &key.PublicKey, secret)
		if err != nil {
			return err
		}
		ss.APIVersion = "bitnami.com/v1alpha1"
		ss.Kind = "SealedSecret"
		ss.Spec.Template.Data = c.Templates
		r := result{Name: c.Name, Sealed: ss}
		unsealed, err := ss.Unseal(scheme.Codecs, map[string]*rsa.PrivateKey{"test": key})
		if err != nil {
			r.Failed = true
			r.Error = err.Error()
		} else {
			r.Data = unsealed.Data
		}
		results = append(results, r)
	}
	out := json.NewEncoder(os.Stdout)
	out.SetIndent("", "  ")
	out.SetEscapeHTML(false)
	return out.Encode(results)
}

func probes(key *rsa.PrivateKey) error {
	var set probeSet
	if err := json.NewDecoder(os.Stdin).Decode(&set); err != nil {
		return err
	}
	data := map[string][]byte{}
	for k, v := range set.Values {
		data[k] = []byte(v)
	}
	for k, v := range set.Bytes {
		data[k] = v
	}
	secret := &v1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "tmpl", Namespace: "vectors"},
		Data:       data,
	}
	ss, err := ssv1.NewSealedSecret(scheme.Codecs, &key.PublicKey, secret)
	if err != nil {
		return err
	}
	keys := map[string]*rsa.PrivateKey{"test": key}
	results := make([]probeResult, 0, len(set.Templates))
	for _, t := range set.Templates {
		ss.Spec.Template.Data = map[string]string{"t": t}
		r := probeResult{Template: t}
		unsealed, err := ss.Unseal(scheme.Codecs, keys)
		if err != nil {
			r.Failed = true
			r.Error = err.Error()
		} else {
			r.Output = unsealed.Data["t"]
		}
		results = append(results, r)
	}
	out := json.NewEncoder(os.Stdout)
	out.SetIndent("", "  ")
	out.SetEscapeHTML(false)
	return out.Encode(results)
}
