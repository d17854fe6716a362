package dev.regent.core.sync;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.TreeSet;

/** Sets of member names compared case-insensitively, as PostgreSQL compares application names. */
final class Names {
    private Names() {}

    /** An unmodifiable case-insensitive set keeping the first spelling, ordered by name. */
    static Set<String> of(Collection<String> names) {
        TreeSet<String> s = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        if (names != null) s.addAll(names);
        return Collections.unmodifiableSet(s);
    }

    static Set<String> union(Collection<String> a, Collection<String> b) {
        Set<String> s = new LinkedHashSet<>(a);
        s.addAll(b);
        return of(s);
    }

    static Set<String> minus(Collection<String> a, Collection<String> b) {
        Set<String> bs = of(b);
        Set<String> out = new LinkedHashSet<>();
        for (String x : a) {
            if (!bs.contains(x)) out.add(x);
        }
        return of(out);
    }

    static Set<String> intersect(Collection<String> a, Collection<String> b) {
        Set<String> bs = of(b);
        Set<String> out = new LinkedHashSet<>();
        for (String x : a) {
            if (bs.contains(x)) out.add(x);
        }
        return of(out);
    }

    static boolean same(Collection<String> a, Collection<String> b) {
        return of(a).equals(of(b));
    }
}
