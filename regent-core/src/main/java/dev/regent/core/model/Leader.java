package dev.regent.core.model;

/**
 * The leader lock ({@code leader} key): the name of the member holding it.
 *
 * @param name    holder's member name
 * @param version DCS version of the key (etcd mod_revision)
 * @param session DCS session/lease the key is bound to (etcd lease id as decimal string), or null
 * @param member  the holder's member record, or a bare member when its member key is missing
 */
public record Leader(String name, long version, String session, Member member) {
    public Leader {
        if (member == null) member = Member.bare(name);
    }
}
