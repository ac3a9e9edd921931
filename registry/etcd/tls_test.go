package etcd

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pulse-rpc/pulse/registry/etcd/embedded"
)

// writeCert makes a self-signed certificate for 127.0.0.1 and returns the
// PEM file names and a pool that trusts it.
func writeCert(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "pulse-test-etcd"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:                  true,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// etcd serving clients over TLS: a registry with the right *tls.Config
// registers and discovers; one that does not trust the server cannot.
func TestTLS(t *testing.T) {
	certFile, keyFile, pool := writeCert(t)
	s := startEtcd(t, embedded.WithClientTLS(certFile, keyFile))
	r := newRegistry(t, s.Endpoints(), WithTLS(&tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}))
	if err := r.Register(t.Context(), provider(20110)); err != nil {
		t.Fatal(err)
	}
	var rec recorder
	unsub, err := r.Subscribe(t.Context(), consumer(), &rec)
	if err != nil {
		t.Fatal(err)
	}
	defer unsub()
	rec.waitProviders(t, 20110)

	untrusting := newRegistry(t, s.Endpoints(), WithTLS(&tls.Config{MinVersion: tls.VersionTLS12}))
	ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
	defer cancel()
	if err := untrusting.Register(ctx, provider(20111)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("register without trust: %v", err)
	}
}
