// SPDX-License-Identifier: MIT
#pragma once

#include "Command.h"

#include <QHash>
#include <QString>

namespace Optiverse::Collab {

/**
 * Local edits (unacknowledged, queued or recent) the server has not settled
 * yet: item -> key -> count of writes, and item -> count of adds/removes.
 * While a key has a pending write the scene keeps the local value; while an
 * add or remove is pending, the local existence of the item. Which keys a
 * command writes is SessionModel::keysWritten().
 */
class PendingEdits
{
public:
    void add(const Command &command);
    void release(const Command &command);
    void clear();

    /// Pending writes of @p itemId, by key (empty: none).
    QHash<QString, int> keys(const QString &itemId) const { return m_keys.value(itemId); }
    bool presencePending(const QString &itemId) const { return m_presence.contains(itemId); }
    bool isEmpty() const { return m_keys.isEmpty() && m_presence.isEmpty(); }

private:
    QHash<QString, QHash<QString, int>> m_keys;
    QHash<QString, int> m_presence;
};

} // namespace Optiverse::Collab
