// SPDX-License-Identifier: MIT
#include "OperationLog.h"

#include "Protocol.h"

#include <QJsonObject>
#include <algorithm>

namespace Optiverse::Collab {

namespace {
const QLatin1String PoseKeys[] = {QLatin1String("x_mm"), QLatin1String("y_mm"), QLatin1String("angle_deg")};
bool isPoseKey(const QString &key)
{
    return std::find(std::begin(PoseKeys), std::end(PoseKeys), key) != std::end(PoseKeys);
}
} // namespace

void OperationLog::reset(qint64 baseSeq, const HistoryScene &baseScene)
{
    m_baseSeq = m_headSeq = baseSeq;
    m_base = m_head = baseScene;
    m_ops.clear();
    m_bytes = 0;
    m_checkpoints.clear();
    m_sinceCheckpoint = 0;
    m_lostBeforeSeq = -1;
}

void OperationLog::resetFromHead(qint64 headSeq, const HistoryScene &headScene, std::vector<HistoryOperation> operations,
                                 qint64 storedBaseSeq)
{
    // Operations beyond the stored head cannot exist (they are stored with
    // it). The walk back needs every operation from the head down: the log
    // keeps the longest run that ends at the head without a gap (a missing or
    // unreadable operation cuts it), and lostBeforeSeq() says where it starts.
    while (!operations.empty() && operations.back().seq > headSeq)
        operations.pop_back();
    if (!operations.empty() && operations.back().seq != headSeq)
        operations.clear();
    for (size_t i = operations.size(); i-- > 1;) {
        if (operations[i - 1].seq != operations[i].seq - 1) {
            operations.erase(operations.begin(), operations.begin() + qsizetype(i));
            break;
        }
    }
    m_head = headScene;
    m_headSeq = headSeq;
    HistoryScene scene = headScene;
    for (auto it = operations.crbegin(); it != operations.crend(); ++it)
        it->unapply(&scene);
    m_base = std::move(scene);
    m_baseSeq = operations.empty() ? headSeq : operations.front().seq - 1;
    m_lostBeforeSeq = m_baseSeq > storedBaseSeq ? m_baseSeq + 1 : -1;
    m_ops = std::move(operations);
    m_bytes = 0;
    for (HistoryOperation &op : m_ops) {
        op.slim();
        m_bytes += op.footprint();
    }
    rebuildCheckpoints();
}

void OperationLog::rebuildCheckpoints()
{
    m_checkpoints.clear();
    m_sinceCheckpoint = 0;
    HistoryScene scene = m_base;
    for (const HistoryOperation &op : m_ops) {
        op.apply(&scene);
        if (++m_sinceCheckpoint >= m_interval) {
            m_checkpoints.emplace(op.seq, scene);
            m_sinceCheckpoint = 0;
        }
    }
}

void OperationLog::append(HistoryOperation operation)
{
    operation.apply(&m_head);
    appendApplied(std::move(operation));
}

void OperationLog::append(HistoryOperation operation, const StateItem *itemAfter)
{
    Q_ASSERT(operation.changes.size() == 1);
    const QString &id = operation.changes.constFirst().itemId;
    if (itemAfter) {
        m_head.insert(id, *itemAfter); // shares the data the session model holds
    } else {
        // Shared with a checkpoint, the map is copied either way: whole, it
        // costs no key comparisons (QMap::remove copies all but the key).
        m_head.detach();
        m_head.remove(id);
    }
    appendApplied(std::move(operation));
}

void OperationLog::appendApplied(HistoryOperation operation)
{
    m_headSeq = operation.seq;
    operation.slim();
    m_bytes += operation.footprint();
    m_ops.push_back(std::move(operation));
    if (++m_sinceCheckpoint >= m_interval)
        checkpointHead();
}

void OperationLog::checkpointHead()
{
    if (m_headSeq == m_baseSeq || m_checkpoints.count(m_headSeq))
        return;
    m_checkpoints.emplace(m_headSeq, m_head); // shares every item's data with the head
    m_sinceCheckpoint = 0;
}

std::vector<HistoryOperation>::const_iterator OperationLog::lowerBound(qint64 seq) const
{
    return std::lower_bound(m_ops.cbegin(), m_ops.cend(), seq,
                            [](const HistoryOperation &op, qint64 s) { return op.seq < s; });
}

const HistoryOperation *OperationLog::find(qint64 seq) const
{
    const auto it = lowerBound(seq);
    return it != m_ops.cend() && it->seq == seq ? &*it : nullptr;
}

bool OperationLog::sceneAt(qint64 seq, HistoryScene *out) const
{
    SceneRecipe recipe;
    if (!sceneRecipe(seq, &recipe))
        return false;
    recipe.build(out);
    return true;
}

bool OperationLog::sceneRecipe(qint64 seq, SceneRecipe *out) const
{
    if (seq < m_baseSeq || seq > m_headSeq)
        return false;
    // The nearest known scene at or below seq, and at or above it.
    qint64 lowSeq = m_baseSeq;
    const HistoryScene *low = &m_base;
    qint64 highSeq = m_headSeq;
    const HistoryScene *high = &m_head;
    auto above = m_checkpoints.lower_bound(seq);
    if (above != m_checkpoints.end()) {
        highSeq = above->first;
        high = &above->second;
    }
    if (above != m_checkpoints.begin()) {
        auto below = std::prev(above);
        if (above != m_checkpoints.end() && above->first == seq)
            below = above;
        lowSeq = below->first;
        low = &below->second;
    }
    const auto pos = lowerBound(seq + 1); // first operation after seq
    out->backwards = seq - lowSeq > highSeq - seq;
    if (!out->backwards) {
        out->start = *low;
        out->operations.assign(lowerBound(lowSeq + 1), pos);
    } else {
        out->start = *high;
        out->operations.assign(std::make_reverse_iterator(lowerBound(highSeq + 1)), std::make_reverse_iterator(pos));
    }
    return true;
}

void OperationLog::SceneRecipe::build(HistoryScene *out) const
{
    *out = start;
    for (const HistoryOperation &op : operations) {
        if (backwards)
            op.unapply(out);
        else
            op.apply(out);
    }
}

QList<const HistoryOperation *> OperationLog::page(const PageQuery &query, qint64 *nextBefore) const
{
    QList<const HistoryOperation *> out;
    *nextBefore = -1;
    const int limit = qBound(1, query.limit, 1000);
    auto it = query.beforeSeq < 0 ? m_ops.cend() : lowerBound(query.beforeSeq);
    while (it != m_ops.cbegin()) {
        --it;
        if (!query.userId.isEmpty() && it->userId != query.userId)
            continue;
        if (!query.itemId.isEmpty()
            && std::none_of(it->changes.cbegin(), it->changes.cend(),
                            [&](const HistoryOperation::ItemChange &c) { return c.itemId == query.itemId; }))
            continue;
        if (out.size() == limit) {
            *nextBefore = out.constLast()->seq;
            break;
        }
        out.append(&*it);
    }
    return out;
}

namespace {
// The keys a change wrote (all of the item's for a whole-item change).
QStringList keysOf(const HistoryOperation::ItemChange &c)
{
    if (!c.isWholeItem()) {
        QStringList keys;
        keys.reserve(c.properties.size());
        for (const HistoryOperation::PropertyChange &p : c.properties)
            keys.append(p.key);
        return keys;
    }
    return c.existsAfter ? c.after.keys() : QStringList();
}
} // namespace

OperationLog::Conflict OperationLog::conflictOf(qint64 seq) const
{
    const auto at = lowerBound(seq);
    if (at == m_ops.cend() || at->seq != seq)
        return {};
    const HistoryOperation &op = *at;
    constexpr qsizetype MaxChanges = 50; // a state push is no one's edit of another's work
    if (op.statePush || op.changes.size() > MaxChanges)
        return {};
    int looked = 0;
    for (auto it = std::make_reverse_iterator(at); it != m_ops.crend() && looked < ConflictLookBack; ++it, ++looked) {
        if (op.timeMs - it->timeMs > ConflictWindowMs)
            break;
        if (it->userId == op.userId || it->changes.size() > MaxChanges)
            continue;
        for (const HistoryOperation::ItemChange &mine : op.changes) {
            for (const HistoryOperation::ItemChange &theirs : it->changes) {
                if (theirs.itemId != mine.itemId || !theirs.existsAfter)
                    continue; // their removal is no work of theirs we could overwrite
                if (!mine.existsAfter) // we removed what they had just edited
                    return {it->seq, it->userId, mine.itemId, {}};
                if (!mine.existedBefore || !theirs.existedBefore)
                    continue; // a re-creation after their removal; their add is a start, not an edit
                QStringList both;
                const QStringList theirKeys = keysOf(theirs);
                for (const QString &key : keysOf(mine))
                    if (theirKeys.contains(key))
                        both.append(key);
                if (!both.isEmpty()) {
                    both.sort();
                    return {it->seq, it->userId, mine.itemId, both};
                }
            }
        }
    }
    return {};
}

void OperationLog::compactThrough(qint64 seq)
{
    seq = qMin(seq, m_headSeq);
    if (seq <= m_baseSeq)
        return;
    HistoryScene base;
    sceneAt(seq, &base);
    m_base = std::move(base);
    m_baseSeq = seq;
    m_lostBeforeSeq = -1; // what was missing is folded into the base now
    const auto end = m_ops.begin() + (lowerBound(seq + 1) - m_ops.cbegin());
    for (auto it = m_ops.begin(); it != end; ++it)
        m_bytes -= it->footprint();
    if (end != m_ops.begin())
        m_baseTimeMs = std::prev(end)->timeMs;
    m_ops.erase(m_ops.begin(), end);
    if (m_ops.capacity() > 4 * m_ops.size() + 1024)
        m_ops.shrink_to_fit();
    m_checkpoints.erase(m_checkpoints.begin(), m_checkpoints.upper_bound(seq));
    m_versions.erase(std::remove_if(m_versions.begin(), m_versions.end(),
                                    [seq](const Version &v) { return v.seq < seq; }),
                     m_versions.end());
}

qint64 OperationLog::seqToFitWithin(qint64 bytes) const
{
    qint64 excess = m_bytes - bytes;
    qint64 seq = m_baseSeq;
    for (auto it = m_ops.cbegin(); it != m_ops.cend() && excess > 0; ++it) {
        excess -= it->footprint();
        seq = it->seq;
    }
    return seq;
}

qint64 OperationLog::lastSeqBefore(qint64 timeMs) const
{
    // Server time only grows (but a clock step back keeps order by seq): the
    // first operation not older than timeMs ends the older ones.
    qint64 last = -1;
    for (const HistoryOperation &op : m_ops) {
        if (op.timeMs >= timeMs)
            break;
        last = op.seq;
    }
    return last;
}

bool OperationLog::addVersion(const Version &version)
{
    m_versions.erase(std::remove_if(m_versions.begin(), m_versions.end(),
                                    [&](const Version &v) { return v.seq == version.seq; }),
                     m_versions.end());
    if (m_versions.size() >= MaxVersions)
        return false;
    m_versions.append(version);
    std::sort(m_versions.begin(), m_versions.end(), [](const Version &a, const Version &b) { return a.seq < b.seq; });
    return true;
}

QList<Command> OperationLog::diffCommands(const HistoryScene &now, const HistoryScene &target)
{
    QList<Command> out;
    for (auto it = now.cbegin(); it != now.cend(); ++it) {
        const auto t = target.constFind(it.key());
        if (t != target.cend() && t->type == it->type) {
            if (t->data == it->data)
                continue;
            Command c;
            c.action = Command::Action::Update;
            c.itemId = it.key();
            c.itemType = t->type;
            c.data = t->data;
            for (auto k = t->data.constBegin(); k != t->data.constEnd(); ++k)
                if (it->data.value(k.key()) != k.value() || !it->data.contains(k.key()))
                    c.changedKeys.append(k.key());
            for (auto k = it->data.constBegin(); k != it->data.constEnd(); ++k)
                if (!t->data.contains(k.key()) && !isPoseKey(k.key()))
                    c.removedKeys.append(k.key());
            out.append(c);
            continue;
        }
        Command r;
        r.action = Command::Action::Remove;
        r.itemId = it.key();
        r.itemType = it->type;
        out.append(r);
        if (t != target.cend())
            out.append(Command::addOf(*t)); // another type under the same id: re-created
    }
    for (auto t = target.cbegin(); t != target.cend(); ++t)
        if (!now.contains(t.key()))
            out.append(Command::addOf(*t));
    return out;
}

bool OperationLog::revertCommands(qint64 seq, QList<Command> *commands, QJsonArray *skipped, qsizetype *skippedTotal,
                                  QString *error) const
{
    *skippedTotal = 0;
    const HistoryOperation *op = find(seq);
    if (!op) {
        *error = seq <= m_baseSeq && seq > 0 ? QStringLiteral("operation %1 was compacted away").arg(seq)
                                             : QStringLiteral("no operation %1 in this session").arg(seq);
        return false;
    }
    // What later operations did to the items it touched: keys they wrote,
    // who last, and whether an item was removed or re-created since. One
    // walk for all of them: a revert of a 10,000-item push after 10,000
    // moves must not walk the moves once per item.
    struct Later
    {
        QHash<QString, const HistoryOperation *> touched;
        const HistoryOperation *recreated = nullptr;
        bool keys = false; // only a property change is reverted key by key
    };
    commands->reserve(commands->size() + op->changes.size());
    QHash<QString, Later> later;
    later.reserve(op->changes.size());
    for (const HistoryOperation::ItemChange &c : op->changes)
        later[c.itemId].keys |= !c.isWholeItem();
    for (auto it = lowerBound(seq + 1); it != m_ops.cend(); ++it) {
        for (const HistoryOperation::ItemChange &l : it->changes) {
            const auto found = later.find(l.itemId);
            if (found == later.end())
                continue;
            if (l.isWholeItem())
                found->recreated = &*it;
            if (!found->keys)
                continue; // its keys matter to a property change only: no table per item
            for (const HistoryOperation::PropertyChange &p : l.properties)
                found->touched.insert(p.key, &*it);
            for (auto k = l.before.constBegin(); k != l.before.constEnd(); ++k)
                found->touched.insert(k.key(), &*it);
            for (auto k = l.after.constBegin(); k != l.after.constEnd(); ++k)
                found->touched.insert(k.key(), &*it);
        }
    }
    for (const HistoryOperation::ItemChange &c : op->changes) {
        const Later &since = later[c.itemId];
        const QHash<QString, const HistoryOperation *> &touched = since.touched;
        const HistoryOperation *recreated = since.recreated;
        auto skip = [&](const QString &key, const QString &reason, const HistoryOperation *by) {
            ++*skippedTotal;
            if (skipped->size() >= MaxSkippedListed) // a revert of a push may leave out thousands
                return;
            QJsonObject s{{QLatin1String("item_id"), c.itemId}, {QLatin1String("reason"), reason}};
            if (!key.isEmpty())
                s.insert(QLatin1String("key"), key);
            if (by) {
                s.insert(QLatin1String("seq"), by->seq);
                s.insert(QLatin1String("user_id"), by->userId);
            }
            skipped->append(s);
        };
        const auto now = m_head.constFind(c.itemId);
        const bool existsNow = now != m_head.cend();
        if (c.isWholeItem()) {
            if (recreated) {
                skip({}, QStringLiteral("removed_or_added_since"), recreated);
                continue;
            }
            if (c.existsAfter && existsNow) {
                Command r;
                r.action = Command::Action::Remove;
                r.itemId = c.itemId;
                r.itemType = now->type;
                commands->append(r);
            }
            if (c.existedBefore)
                commands->append(Command::addOf({c.itemId, c.typeBefore, c.before}));
            continue;
        }
        if (!existsNow) {
            skip({}, QStringLiteral("item_removed"), recreated);
            continue;
        }
        Command u;
        u.action = Command::Action::Update;
        u.itemId = c.itemId;
        u.itemType = now->type;
        u.data = now->data;
        QList<HistoryOperation::PropertyChange> properties = c.properties;
        std::sort(properties.begin(), properties.end(), // skipped keys are reported in key order
                  [](const auto &x, const auto &y) { return x.key < y.key; });
        for (const HistoryOperation::PropertyChange &p : std::as_const(properties)) {
            if (const HistoryOperation *by = touched.value(p.key)) {
                skip(p.key, QStringLiteral("changed_since"), by);
                continue;
            }
            if (recreated) {
                skip(p.key, QStringLiteral("removed_or_added_since"), recreated);
                continue;
            }
            if (!p.before.isUndefined()) {
                u.data.insert(p.key, p.before);
                u.changedKeys.append(p.key);
            } else if (!isPoseKey(p.key)) {
                u.data.remove(p.key);
                u.removedKeys.append(p.key);
            }
        }
        if (!u.changedKeys.isEmpty() || !u.removedKeys.isEmpty())
            commands->append(u);
    }
    return true;
}

} // namespace Optiverse::Collab
