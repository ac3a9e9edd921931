// Package dubbo owns the Dubbo invocation and result bodies: dubbo version,
// service path and version, method, JVM parameter descriptors, arguments and
// attachments on the way in; value, null or exception, with or without
// attachments, on the way out; exactly as Java Dubbo's DubboCodec writes and
// reads them, in Hessian 2 (serialization/hessian2).
//
// Bodies only: the 16-byte header belongs to package exchange. Encoders
// append to a caller-supplied slice (EncodeRequest, EncodeResponse,
// EncodeErrorMessage) so that header and body can share one buffer; decoders
// (DecodeRequest, DecodeResponse, DecodeErrorMessage) check every length
// against the input and the payload limit before allocating, never panic,
// and fail with a *DecodeError.
//
// Go values and the Java types they stand for (Descriptor gives the JVM
// descriptor, JavaName the name generic calls use; As overrides both):
//
//	Go                        Java                      descriptor
//	string                    String                    Ljava/lang/String;
//	int32                     int                       I
//	int64, int                long                      J
//	bool                      boolean                   Z
//	float64                   double                    D
//	float32                   float                     F
//	int8                      byte                      B
//	int16                     short                     S
//	[]byte                    byte[]                    [B
//	*int32, *int64, *bool...  Integer, Long, Boolean... Ljava/lang/Integer; ...
//	*string                   String                    Ljava/lang/String;
//	time.Time, *time.Time     java.util.Date            Ljava/util/Date;
//	[]T (other slices)        java.util.List            Ljava/util/List;
//	map[K]V                   java.util.Map             Ljava/util/Map;
//	POJO (JavaClassName)      that class                La/b/C;
//	As("long[]", v) etc.      the named type            [J
//
// Nil pointers and nil interfaces travel as null. On decode, Java int comes
// back as int32, long as int64, double as float64, Date as time.Time, String
// as string, lists as []any (or typed slices), maps as map[any]any, objects
// of registered classes (hessian2.Register) as pointers to their Go structs,
// others as map[string]any with "_class". Java exceptions in responses come
// back as *JavaException, whatever the class.
//
// Response attachments (flags 3, 4, 5) are written only for peers whose
// declared dubbo version passes Java's Version.isSupportResponseAttachment
// ([2.0.2, 2.0.99]), with dubbo="2.0.2" added, as Java does.
package dubbo
