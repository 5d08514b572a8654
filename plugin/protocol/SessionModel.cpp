// SPDX-License-Identifier: MIT
#include "SessionModel.h"

#include "JsonStorage.h"
#include "Protocol.h"

#include <algorithm>
#include <iterator>

namespace Optiverse::Collab {

namespace {
constexpr QLatin1String PoseNames[] = {Protocol::FieldXmm, Protocol::FieldYmm, Protocol::FieldAngleDeg};
} // namespace

const QStringList &SessionModel::poseKeys()
{
    static const QStringList keys(std::begin(PoseNames), std::end(PoseNames));
    return keys;
}

bool SessionModel::carriesWholeItem(const Command &command)
{
    return !command.itemType.isEmpty() && command.data.value(Protocol::FieldXmm).isDouble()
        && command.data.value(Protocol::FieldYmm).isDouble();
}

QStringList SessionModel::keysWritten(const Command &command)
{
    switch (command.action) {
    case Command::Action::Move: return poseKeys();
    case Command::Action::Update: return command.effectiveKeys() + command.removedKeys;
    case Command::Action::Add: return command.data.keys();
    case Command::Action::Remove: return {};
    }
    return {};
}

bool SessionModel::prepare(const Command &command, Change *change, QString *reason) const
{
    const auto it = m_items.constFind(command.itemId);
    const bool exists = it != m_items.constEnd();
    Change c;
    c.item.id = command.itemId;
    if (command.action == Command::Action::Add
        || (!exists && command.action != Command::Action::Remove && carriesWholeItem(command)
            && !m_removed.contains(command.itemId))) {
        if (exists) {
            *reason = Protocol::RejectItemExists;
            return false;
        }
        c.created = true;
        c.wasRemoved = m_removed.contains(command.itemId);
        c.item.type = command.itemType;
        c.item.data = command.data;
        *change = std::move(c);
        return true;
    }
    if (!exists) {
        *reason = m_removed.contains(command.itemId) ? QString(Protocol::RejectItemRemoved) : QString(Protocol::RejectItemNotFound);
        return false;
    }
    c.item = *it;
    // One lookup per written key finds the old value and writes the new one
    // (by Latin-1 name where there is one: QJsonObject finds those faster).
    // The values kept for the history are detached: a string read out of an
    // object would keep the object's whole buffer alive (JsonStorage).
    QJsonObject &data = c.item.data;
    const auto write = [&c, &data](const QString &key, auto name, const QJsonValue &value) {
        const auto at = data.find(name);
        if (at == data.end()) {
            data.insert(key, value);
            c.properties.append({key, QJsonValue(QJsonValue::Undefined), JsonStorage::detached(value)});
        } else if (*at != value) {
            const QJsonValue before = JsonStorage::detached(*at);
            *at = value;
            c.properties.append({key, before, JsonStorage::detached(value)});
        }
    };
    switch (command.action) {
    case Command::Action::Remove:
        c.remove = true;
        break;
    case Command::Action::Move:
        c.properties.reserve(std::size(PoseNames));
        for (qsizetype i = 0; i < qsizetype(std::size(PoseNames)); ++i) {
            const auto v = command.data.constFind(PoseNames[i]);
            if (v != command.data.constEnd())
                write(poseKeys().at(i), PoseNames[i], *v);
        }
        break;
    case Command::Action::Update:
        // Without changed_keys every key of data is written; those equal to
        // the session's value change nothing, so the result is the same.
        c.properties.reserve(command.data.size() + command.removedKeys.size());
        for (const QString &key : command.effectiveKeys())
            write(key, key, command.data.value(key));
        for (const QString &key : command.removedKeys) { // validated by Command::fromJson
            const auto at = data.find(key);
            if (at == data.end())
                continue;
            c.properties.append({key, JsonStorage::detached(*at), QJsonValue(QJsonValue::Undefined)});
            data.erase(at);
        }
        break;
    case Command::Action::Add:
        break;
    }
    for (const PropertyChange &p : std::as_const(c.properties))
        if (!p.before.isUndefined())
            c.item.noteReplaced(p.key, p.before, p.after.isUndefined());
    *change = std::move(c);
    return true;
}

void SessionModel::commit(const Change &change)
{
    if (change.remove) {
        m_items.remove(change.item.id);
        rememberRemoved(change.item.id);
        return;
    }
    if (change.wasRemoved)
        m_removed.remove(change.item.id);
    m_items.insert(change.item.id, change.item);
}

bool SessionModel::apply(const Command &command, QString *reason)
{
    Change change;
    QString why;
    if (!prepare(command, &change, &why)) {
        if (reason)
            *reason = why;
        return false;
    }
    commit(change);
    return true;
}

const StateItem *SessionModel::find(const QString &itemId) const
{
    const auto it = m_items.constFind(itemId);
    return it == m_items.constEnd() ? nullptr : &*it;
}

void SessionModel::rememberRemoved(const QString &itemId)
{
    if (m_removed.contains(itemId))
        return;
    m_removed.insert(itemId);
    m_removedOrder.push_back(itemId);
    while (m_removed.size() > MaxRemembered && !m_removedOrder.empty()) {
        m_removed.remove(m_removedOrder.front());
        m_removedOrder.pop_front();
    }
    // Ids re-added meanwhile linger in the order list: compact it when it
    // holds far more than the set.
    if (m_removedOrder.size() > size_t(2 * m_removed.size() + 1024)) {
        std::deque<QString> kept;
        for (QString &id : m_removedOrder)
            if (m_removed.contains(id))
                kept.push_back(std::move(id));
        m_removedOrder.swap(kept);
    }
}

SessionModel::MergeResult SessionModel::merge(const QList<StateItem> &pushed)
{
    MergeResult result;
    QMap<QString, const StateItem *> byId; // later duplicates win
    for (const StateItem &item : pushed)
        byId.insert(item.id, &item);
    qsizetype matching = 0;
    for (const StateItem *p : std::as_const(byId)) {
        if (m_removed.contains(p->id)) {
            result.differsFromPush = true; // the pusher still shows a removed item
            continue;
        }
        auto it = m_items.find(p->id);
        if (it == m_items.end()) {
            m_items.insert(p->id, *p);
            result.changed.append(*p);
            ++matching;
            continue;
        }
        bool gained = false;
        for (auto k = p->data.constBegin(); k != p->data.constEnd(); ++k) {
            if (!it->data.contains(k.key())) {
                it->data.insert(k.key(), k.value());
                gained = true;
            }
        }
        if (gained)
            result.changed.append(*it);
        if (it->type == p->type && it->data == p->data)
            ++matching;
        else
            result.differsFromPush = true;
    }
    if (matching != m_items.size())
        result.differsFromPush = true; // the session has items the pusher lacks
    return result;
}

void SessionModel::load(const QList<StateItem> &items, const QStringList &removed)
{
    m_items.clear();
    m_items.reserve(items.size());
    m_removed.clear();
    m_removedOrder.clear();
    for (const StateItem &item : items)
        m_items.insert(item.id, item);
    for (const QString &id : removed)
        if (!m_items.contains(id))
            rememberRemoved(id);
}

QList<StateItem> SessionModel::items() const
{
    QList<StateItem> out;
    out.reserve(m_items.size());
    for (const StateItem &item : m_items)
        out.append(item);
    std::sort(out.begin(), out.end(), [](const StateItem &a, const StateItem &b) { return a.id < b.id; });
    return out;
}

QStringList SessionModel::ids() const
{
    QStringList out = m_items.keys();
    out.sort();
    return out;
}

QStringList SessionModel::removedIds() const
{
    QStringList out;
    out.reserve(m_removed.size());
    QSet<QString> seen;
    for (const QString &id : m_removedOrder) // an id removed, re-added and removed again is listed twice
        if (m_removed.contains(id) && !seen.contains(id)) {
            seen.insert(id);
            out.append(id);
        }
    return out;
}

} // namespace Optiverse::Collab
