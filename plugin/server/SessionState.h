// SPDX-License-Identifier: MIT
#pragma once

#include "Command.h"
#include "StateItem.h"

#include <QList>
#include <QMap>
#include <QString>

namespace Optiverse::Collab {

/**
 * The server-held scene of one session: item_id -> {item_type, data}.
 *
 * Applying a command is split in two so the store can persist the result
 * before memory (and so any client) sees it: prepare() validates the command
 * against the state and computes the resulting item, commit() applies it.
 */
class SessionState
{
public:
    /// The outcome of a command, computed without changing the state.
    struct Change
    {
        bool remove = false; ///< remove_item: erase item.id
        StateItem item;      ///< otherwise: the item as it will be stored
    };

    /// Checks @p command against the state. On success fills @p change; on
    /// rejection returns false and sets @p reason ("item_exists" for an add of
    /// an existing id, "item_not_found" for move/update/remove of a missing one).
    bool prepare(const Command &command, Change *change, QString *reason) const;
    void commit(const Change &change);

    /// Replaces the whole scene (sync:full_state from a client); later
    /// duplicates of an item_id win.
    void replace(const QList<StateItem> &items);
    void clear() { m_items.clear(); }

    bool isEmpty() const { return m_items.isEmpty(); }
    qsizetype size() const { return m_items.size(); }
    bool contains(const QString &itemId) const { return m_items.contains(itemId); }
    /// All items sorted by item_id.
    QList<StateItem> items() const;

private:
    struct Entry
    {
        QString type;
        QJsonObject data;
    };
    QMap<QString, Entry> m_items; // sorted by id for sync:full_state
};

} // namespace Optiverse::Collab
