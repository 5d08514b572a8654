// SPDX-License-Identifier: MIT
#include "PendingEdits.h"

#include "SessionModel.h"

namespace Optiverse::Collab {

void PendingEdits::add(const Command &command)
{
    auto &keys = m_keys[command.itemId];
    for (const QString &k : SessionModel::keysWritten(command))
        ++keys[k];
    if (keys.isEmpty())
        m_keys.remove(command.itemId);
    if (command.action == Command::Action::Add || command.action == Command::Action::Remove)
        ++m_presence[command.itemId];
}

void PendingEdits::release(const Command &command)
{
    if (command.action == Command::Action::Add || command.action == Command::Action::Remove) {
        auto p = m_presence.find(command.itemId);
        if (p != m_presence.end() && --p.value() <= 0)
            m_presence.erase(p);
    }
    auto it = m_keys.find(command.itemId);
    if (it == m_keys.end())
        return;
    for (const QString &k : SessionModel::keysWritten(command)) {
        auto k2 = it->find(k);
        if (k2 != it->end() && --k2.value() <= 0)
            it->erase(k2);
    }
    if (it->isEmpty())
        m_keys.erase(it);
}

void PendingEdits::clear()
{
    m_keys.clear();
    m_presence.clear();
}

} // namespace Optiverse::Collab
