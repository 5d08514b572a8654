// SPDX-License-Identifier: MIT
#include "SessionState.h"

namespace Optiverse::Collab {

bool SessionState::prepare(const Command &command, Change *change, QString *reason) const
{
    const auto it = m_items.constFind(command.itemId);
    const bool exists = it != m_items.constEnd();
    Change c;
    c.item.id = command.itemId;
    switch (command.action) {
    case Command::Action::Add:
        if (exists) {
            *reason = QStringLiteral("item_exists");
            return false;
        }
        c.item.type = command.itemType;
        c.item.data = command.data;
        break;
    case Command::Action::Move:
    case Command::Action::Update:
    case Command::Action::Remove:
        if (!exists) {
            *reason = QStringLiteral("item_not_found");
            return false;
        }
        c.item.type = it->type;
        c.item.data = it->data;
        if (command.action == Command::Action::Remove) {
            c.remove = true;
        } else if (command.action == Command::Action::Move) {
            for (QLatin1String key : {QLatin1String("x_mm"), QLatin1String("y_mm"), QLatin1String("angle_deg")}) {
                const auto v = command.data.constFind(key);
                if (v != command.data.constEnd())
                    c.item.data.insert(key, *v);
            }
        } else {
            for (const QString &key : command.effectiveKeys())
                c.item.data.insert(key, command.data.value(key));
            for (const QString &key : command.removedKeys) // validated by Command::fromJson
                c.item.data.remove(key);
        }
        break;
    }
    *change = std::move(c);
    return true;
}

void SessionState::commit(const Change &change)
{
    if (change.remove)
        m_items.remove(change.item.id);
    else
        m_items.insert(change.item.id, {change.item.type, change.item.data});
}

void SessionState::replace(const QList<StateItem> &items)
{
    m_items.clear();
    for (const StateItem &item : items)
        m_items.insert(item.id, {item.type, item.data});
}

QList<StateItem> SessionState::items() const
{
    QList<StateItem> out;
    out.reserve(m_items.size());
    for (auto it = m_items.cbegin(); it != m_items.cend(); ++it)
        out.append({it.key(), it->type, it->data});
    return out;
}

} // namespace Optiverse::Collab
