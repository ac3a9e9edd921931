// Package dubbo owns the Dubbo invocation and result bodies: dubbo version,
// service path and version, method, JVM parameter descriptors, arguments and
// attachments on the way in; value, null or exception, with or without
// attachments, on the way out; exactly as Java Dubbo's DubboCodec writes and
// reads them.
package dubbo
