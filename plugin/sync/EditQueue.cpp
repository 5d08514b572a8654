// SPDX-License-Identifier: MIT
#include "EditQueue.h"

#include <QHash>
#include <QSet>

namespace Optiverse::Collab {

namespace {
bool collapses(const QList<Command> &list, qsizetype from, const Command &command)
{
    return command.action == Command::Action::Move && list.size() > from
        && list.constLast().action == Command::Action::Move && list.constLast().itemId == command.itemId;
}
} // namespace

EditQueue::Held EditQueue::hold(const Command &command)
{
    if (collapses(m_held, m_pushed, command)) { // never into the pushed ones
        m_held.last() = command;
        return Held::Collapsed;
    }
    if (m_held.size() >= m_limit)
        return Held::Full;
    m_held.append(command);
    return Held::Added;
}

QList<Command> EditQueue::takeHeld()
{
    m_pushed = 0;
    return std::exchange(m_held, {});
}

QList<Command> EditQueue::takePushed()
{
    const QList<Command> pushed = m_held.mid(0, m_pushed);
    m_held.remove(0, m_pushed);
    m_pushed = 0;
    return pushed;
}

void EditQueue::keep(Command command)
{
    if (collapses(m_kept, 0, command))
        m_kept.last() = std::move(command);
    else if (m_kept.size() < m_limit)
        m_kept.append(std::move(command));
}

QList<Command> EditQueue::takeKept()
{
    return std::exchange(m_kept, {});
}

int EditQueue::keptItemCount() const
{
    QSet<QString> items;
    for (const Command &c : m_kept)
        items.insert(c.itemId);
    return int(items.size());
}

QList<Command> EditQueue::withoutRefusedEdits(const QList<Command> &queue,
                                              const std::function<bool(const QString &)> &inSession,
                                              QList<Command> *editsOfAbsent, QList<Command> *addsOfPresent)
{
    QHash<QString, bool> exists;
    QList<Command> out;
    for (const Command &c : queue) {
        const auto known = exists.constFind(c.itemId);
        const bool present = known != exists.constEnd() ? *known : inSession(c.itemId);
        if (c.action == Command::Action::Add) {
            exists.insert(c.itemId, true);
            if (present) {
                addsOfPresent->append(c);
                continue;
            }
        } else if (!present && editsOfAbsent) {
            editsOfAbsent->append(c);
            continue;
        } else if (c.action == Command::Action::Remove) {
            exists.insert(c.itemId, false);
        }
        out.append(c);
    }
    return out;
}

} // namespace Optiverse::Collab
