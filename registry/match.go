package registry

import "strings"

// IsMatch reports whether provider (a URL read from the registry) serves
// consumer, following Java's UrlUtils.isMatch:
//
//   - interfaces equal (or either is "*");
//   - the provider's category (default providers) is among the consumer's
//     comma-separated categories (default providers; "*" takes all, "-c"
//     excludes c);
//   - the provider is not enabled=false, unless the consumer asks enabled=*;
//   - groups: consumer "*", equal, or the provider's group among the
//     consumer's comma-separated groups;
//   - versions: consumer "*" or equal (a provider without version only
//     matches a consumer without version);
//   - classifiers: consumer none or "*", or equal.
//
// A consumer URL registered with category=consumers must be given
// category=providers (or none) to select providers; Subscribe does that.
func IsMatch(consumer, provider URL) bool {
	ci, pi := consumer.Interface(), provider.Interface()
	if ci != AnyValue && pi != AnyValue && ci != pi {
		return false
	}
	if !matchCategory(provider.Category(), consumer.Params[KeyCategory]) {
		return false
	}
	if !provider.Enabled() && consumer.Params[KeyEnabled] != AnyValue {
		return false
	}
	cg, pg := consumer.Group(), provider.Group()
	if cg != AnyValue && cg != pg && !containsItem(cg, pg) {
		return false
	}
	if cv := consumer.Version(); cv != AnyValue && cv != provider.Version() {
		return false
	}
	cc := consumer.Params[KeyClassifier]
	return cc == "" || cc == AnyValue || cc == provider.Params[KeyClassifier]
}

func matchCategory(category, categories string) bool {
	if categories == "" {
		return category == CategoryProviders
	}
	if containsItem(categories, AnyValue) {
		return true
	}
	if containsItem(categories, "-"+category) {
		return false
	}
	return containsItem(categories, category)
}

// containsItem reports whether item is one of the comma-separated values of
// list; an empty item is never contained (Java's StringUtils.isContains on a
// null provider group).
func containsItem(list, item string) bool {
	if item == "" || list == "" {
		return false
	}
	for v := range strings.SplitSeq(list, ",") {
		if strings.TrimSpace(v) == item {
			return true
		}
	}
	return false
}
