module github.com/pulse-rpc/pulse/integration/bench/dubbogo

go 1.26.0

require (
	github.com/apache/dubbo-go v1.5.9
	github.com/apache/dubbo-go-hessian2 v1.9.4
	github.com/pulse-rpc/pulse/integration/bench/loadgen v0.0.0
)

require (
	github.com/RoaringBitmap/roaring v0.6.1 // indirect
	github.com/StackExchange/wmi v0.0.0-20190523213315-cbe66965904d // indirect
	github.com/Workiva/go-datastructures v1.0.52 // indirect
	github.com/afex/hystrix-go v0.0.0-20180502004556-fa1af6a1f4f5 // indirect
	github.com/alibaba/sentinel-golang v1.0.2 // indirect
	github.com/apache/dubbo-getty v1.4.7 // indirect
	github.com/creasty/defaults v1.5.1 // indirect
	github.com/davecgh/go-spew v1.1.1 // indirect
	github.com/dubbogo/gost v1.11.21-0.20220503144918-9e5ae44480af // indirect
	github.com/go-ole/go-ole v1.2.4 // indirect
	github.com/golang/mock v1.4.4 // indirect
	github.com/golang/snappy v0.0.4 // indirect
	github.com/google/uuid v1.1.2 // indirect
	github.com/gorilla/websocket v1.4.2 // indirect
	github.com/jinzhu/copier v0.0.0-20190625015134-976e0346caa8 // indirect
	github.com/k0kubun/pp v3.0.1+incompatible // indirect
	github.com/magiconair/properties v1.8.4 // indirect
	github.com/mattn/go-colorable v0.1.7 // indirect
	github.com/mattn/go-isatty v0.0.14 // indirect
	github.com/mitchellh/mapstructure v1.5.0 // indirect
	github.com/modern-go/concurrent v0.0.0-20180306012644-bacd9c7ef1dd // indirect
	github.com/mschoch/smat v0.0.0-20160514031455-90eadee771ae // indirect
	github.com/opentracing/opentracing-go v1.2.0 // indirect
	github.com/pkg/errors v0.9.1 // indirect
	github.com/satori/go.uuid v1.2.1-0.20181028125025-b2ce2384e17b // indirect
	github.com/shirou/gopsutil v3.20.11+incompatible // indirect
	github.com/willf/bitset v1.1.10 // indirect
	go.uber.org/atomic v1.9.0 // indirect
	go.uber.org/multierr v1.6.0 // indirect
	go.uber.org/zap v1.17.0 // indirect
	golang.org/x/sys v0.0.0-20211117180635-dee7805ff2e1 // indirect
	gopkg.in/yaml.v2 v2.4.0 // indirect
)

replace github.com/pulse-rpc/pulse/integration/bench/loadgen => ../loadgen
