// SPDX-License-Identifier: MIT
#pragma once

#include "Command.h"

#include <QList>

#include <functional>

namespace Optiverse::Collab {

/**
 * Local edits not sent yet, in order:
 * - held: made while joining or dropped (reconnecting); sent once
 *   synchronized. The first ones may be part of a scene we pushed (settled
 *   when the server takes it).
 * - kept: made since leaving on purpose; they go into the session only when
 *   the user rejoins bringing them (SyncManager::JoinMode::BringLocalChanges).
 * Both are bounded (limit()); consecutive moves of one item collapse into
 * the last (same keys written, so pending counts stay as they are).
 */
class EditQueue
{
public:
    enum class Held { Added, Collapsed, Full };

    void setLimit(int limit) { m_limit = limit; }
    int limit() const { return m_limit; }

    /// An edit made while joining or dropped. Added: count it as pending.
    Held hold(const Command &command);
    int heldCount() const { return int(m_held.size()); }
    QList<Command> takeHeld();
    /// @p edits go before those held (rejoining with the kept edits).
    void holdFirst(const QList<Command> &edits) { m_held = edits + m_held; }
    /// The held edits so far are in the scene we push.
    void markPushed() { m_pushed = int(m_held.size()); }
    /// Those edits, settled: the server took the push.
    QList<Command> takePushed();
    void forgetPushed() { m_pushed = 0; }

    /// An edit made since leaving on purpose.
    void keep(Command command);
    /// Edits that become kept ones as they are (appended, not bounded).
    void keepAll(const QList<Command> &edits) { m_kept += edits; }
    QList<Command> takeKept();
    /// How many items the kept edits change.
    int keptItemCount() const;

    /// Splits @p queue, walking it in order with what the session has (@p
    /// inSession, then as the queue's own adds and removes change it): edits
    /// of items it does not have would only be refused; they go to
    /// @p editsOfAbsent (null: they stay). Adds of items it has would be
    /// refused by our server and make a second copy on original clients;
    /// they go to @p addsOfPresent. Returns the rest, in order.
    static QList<Command> withoutRefusedEdits(const QList<Command> &queue,
                                              const std::function<bool(const QString &)> &inSession,
                                              QList<Command> *editsOfAbsent, QList<Command> *addsOfPresent);

private:
    QList<Command> m_held;
    int m_pushed = 0;
    QList<Command> m_kept;
    int m_limit = 10000;
};

} // namespace Optiverse::Collab
