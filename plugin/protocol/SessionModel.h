// SPDX-License-Identifier: MIT
#pragma once

#include "Command.h"
#include "PropertyChange.h"
#include "StateItem.h"

#include <QHash>
#include <QList>
#include <QMap>
#include <QSet>
#include <QString>
#include <deque>

namespace Optiverse::Collab {

/**
 * One session's scene and the rules for applying commands to it, the same on
 * both ends: the server's state (ServerSession) and each client's copy of
 * what the server holds (SyncManager's shadow). item_id -> {item_type, data},
 * plus the ids of items removed in it (so a stale push cannot bring them back).
 *
 * Applying a command is split in two so the server's store can persist the
 * result before memory (and so any client) sees it: prepare() validates the
 * command against the state and computes the resulting item, commit()
 * applies it; apply() does both.
 *
 * The rules (README, "Conflict rules"), fuzzed by fuzz/fuzz_session_state:
 * - add_item of an existing id is refused (item_exists): adding is
 *   idempotent; of a removed id it re-creates the item (an undo of a removal).
 * - move_item writes the pose keys present; update_item the changed_keys, or,
 *   without them (original clients send the whole item), every key of data
 *   (those equal to the session's change nothing); removed_keys are deleted.
 *   Per property, the last command the server orders wins.
 * - move_item or update_item of an item the session never had, carrying the
 *   whole item (item_type, x_mm and y_mm), adds it: an original client's
 *   canvas reaches the session through its edits. Of a removed item, or
 *   without the whole item, it is refused (item_removed, item_not_found):
 *   a removal beats concurrent edits.
 * - A pushed full state is merged (merge()), never replaces the session.
 *
 * Not thread-safe; a value type (copies are independent).
 */
class SessionModel
{
public:
    /// The outcome of a command, computed without changing the state.
    struct Change
    {
        bool remove = false;  ///< remove_item: erase item.id
        bool created = false; ///< the item is new (an add, or an edit taken as one)
        bool wasRemoved = false; ///< ...and was removed from this session before
        StateItem item;       ///< otherwise: the item as it will be stored
        /// A move or update of an item that stays: the keys whose value it
        /// changes, with the values before and after (found while writing
        /// them, so the history needs no diff of its own).
        QList<PropertyChange> properties;
    };

    /// What merge() did.
    struct MergeResult
    {
        QList<StateItem> changed; ///< items added, or given keys they lacked
        bool differsFromPush = false; ///< the session now differs from what was pushed
    };

    /// Checks @p command against the state. On success fills @p change; on
    /// rejection returns false and sets @p reason (Protocol::RejectItemExists,
    /// RejectItemRemoved, RejectItemNotFound).
    bool prepare(const Command &command, Change *change, QString *reason) const;
    void commit(const Change &change);
    /// prepare() then commit(); false (and nothing changed) when refused.
    bool apply(const Command &command, QString *reason = nullptr);

    /**
     * Merges a pushed scene (sync:full_state) into the session. Pushes are
     * snapshots of unknown age, taken by clients that also sent every edit as
     * a command, so: items the session never had are added; for items it has,
     * its values stand and only keys it lacks are taken; items it lacks stay;
     * items removed in the session are not brought back. Later duplicates of
     * an id in @p pushed win.
     */
    MergeResult merge(const QList<StateItem> &pushed);

    /// Restores a stored session, or takes the state a server sent (@p removed
    /// empty: a full state carries no removed ids). Later duplicates win.
    void load(const QList<StateItem> &items, const QStringList &removed = {});

    bool isEmpty() const { return m_items.isEmpty(); }
    /// Nothing was ever added to this session (or everything it had is forgotten).
    bool neverHadItems() const { return m_items.isEmpty() && m_removed.isEmpty(); }
    qsizetype size() const { return m_items.size(); }
    bool contains(const QString &itemId) const { return m_items.contains(itemId); }
    /// The item, or null; valid until the next change of the model.
    const StateItem *find(const QString &itemId) const;
    bool wasRemoved(const QString &itemId) const { return m_removed.contains(itemId); }
    /// All items sorted by item_id.
    QList<StateItem> items() const;
    /// The ids of all items, sorted.
    QStringList ids() const;
    /// All items by id, in no order (no sorting: for visiting them all).
    const QHash<QString, StateItem> &itemsById() const { return m_items; }
    /// Removed ids remembered, oldest first (at most MaxRemembered).
    QStringList removedIds() const;

    /// The pose keys (x_mm, y_mm, angle_deg): what move_item writes.
    static const QStringList &poseKeys();
    /// The keys of an item @p command writes (a move: the whole pose; an
    /// update: its changed and removed keys; an add: its data), whether or
    /// not the session takes it: what a sender's unacknowledged edit decides.
    static QStringList keysWritten(const Command &command);
    /// The edit carries the whole item (item_type, x_mm and y_mm), as
    /// original clients send every edit: of an item never seen, it adds it.
    static bool carriesWholeItem(const Command &command);

    /// Removed ids kept per session; older ones are forgotten (a push may
    /// then bring such an item back).
    static constexpr qsizetype MaxRemembered = 100000;

private:
    void rememberRemoved(const QString &itemId);

    QHash<QString, StateItem> m_items; // sorted by items() (for sync:full_state) only
    QSet<QString> m_removed;
    std::deque<QString> m_removedOrder; // may hold ids re-added since (skipped when pruning)
};

} // namespace Optiverse::Collab
