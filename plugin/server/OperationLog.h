// SPDX-License-Identifier: MIT
#pragma once

#include "Command.h"
#include "HistoryOperation.h"

#include <QJsonArray>
#include <QList>
#include <QStringList>
#include <QString>
#include <map>
#include <vector>

namespace Optiverse::Collab {

/**
 * A session's history: every accepted operation since the base
 * (the session's start, or the checkpoint older operations were compacted
 * into), with the scene at the head and checkpoints every few thousand
 * operations, so the scene at any seq is rebuilt by applying at most half an
 * interval of operations to the nearest checkpoint, in either direction.
 *
 * Memory only; ServerSession keeps it and SessionStore makes it durable.
 * Not thread-safe (the session's thread).
 */
class OperationLog
{
public:
    struct Version
    {
        qint64 seq = 0;
        QString name;
        QString userId;
        qint64 timeMs = 0;
    };
    struct PageQuery
    {
        qint64 beforeSeq = -1; ///< only operations with seq < this (-1: from the head)
        int limit = 100;
        QString userId;        ///< non-empty: only this user's operations
        QString itemId;        ///< non-empty: only operations touching this item
    };

    /// Checkpoint every @p operations operations (at least 64).
    void setCheckpointInterval(int operations) { m_interval = qMax(64, operations); }
    int checkpointInterval() const { return m_interval; }

    /// Starts from @p baseScene at @p baseSeq with no operation.
    void reset(qint64 baseSeq, const HistoryScene &baseScene);
    /// Starts from the scene at the head (@p headScene at @p headSeq) and the
    /// operations that led to it (in seq order, the last one at headSeq),
    /// rebuilding the base and the checkpoints by walking back. Only the
    /// longest run of operations ending at @p headSeq without a gap is kept;
    /// if it does not reach back to @p storedBaseSeq (the stored checkpoint,
    /// 0 when none), lostBeforeSeq() says so.
    void resetFromHead(qint64 headSeq, const HistoryScene &headScene, std::vector<HistoryOperation> operations,
                       qint64 storedBaseSeq = 0);
    /// The first seq whose operation the log holds when the stored history
    /// before it is missing (damaged, or stored before history was kept):
    /// the history shown starts there. -1 when the history is complete.
    qint64 lostBeforeSeq() const { return m_lostBeforeSeq; }

    /// Appends @p operation (its seq beyond the head) and applies it to the head.
    void append(HistoryOperation operation);
    /// Same for an operation with one change, when the caller holds the item
    /// it leaves (nullptr: removed): the head takes that item, sharing its
    /// data, instead of applying the change to a copy.
    void append(HistoryOperation operation, const StateItem *itemAfter);
    /// The scene at the head, as the operations left it.
    const HistoryScene &head() const { return m_head; }
    qint64 headSeq() const { return m_headSeq; }
    qint64 baseSeq() const { return m_baseSeq; }
    const HistoryScene &baseScene() const { return m_base; }
    const std::vector<HistoryOperation> &operations() const { return m_ops; }
    /// The operation at @p seq, or nullptr.
    const HistoryOperation *find(qint64 seq) const;

    /// Adds a checkpoint at the head (e.g. when the last member leaves).
    void checkpointHead();
    /// The scene right after @p seq (baseSeq() ≤ seq ≤ headSeq()); false otherwise.
    bool sceneAt(qint64 seq, HistoryScene *out) const;

    /// What rebuilding the scene right after an operation takes: the nearest
    /// kept scene and the operations between, copied out so that another
    /// thread can do the work (both share their data with this log).
    struct SceneRecipe
    {
        HistoryScene start;
        std::vector<HistoryOperation> operations; // in the order to take them
        bool backwards = false;                   // unapply them, newest first
        void build(HistoryScene *out) const;
    };
    /// The recipe for sceneAt(@p seq); false when @p seq is not in memory.
    bool sceneRecipe(qint64 seq, SceneRecipe *out) const;

    /// Newest first, at most query.limit; @p nextBefore gets the seq to pass as
    /// beforeSeq for the next page (-1 when there is none).
    QList<const HistoryOperation *> page(const PageQuery &query, qint64 *nextBefore) const;

    /// What the operation at @p seq overwrote of another user's recent work:
    /// the latest earlier operation by someone else, at most ConflictWindowMs
    /// before it (and ConflictLookBack operations back), that wrote a key of
    /// an item it writes, or edited an item it removes. Computed when asked
    /// (for history pages), never on the relay path.
    struct Conflict
    {
        qint64 seq = -1; ///< -1: none
        QString userId;
        QString itemId;
        QStringList keys; ///< the keys both wrote (empty: the item was removed)
    };
    Conflict conflictOf(qint64 seq) const;
    static constexpr qint64 ConflictWindowMs = 10000;
    static constexpr int ConflictLookBack = 256;

    /// Forgets the operations at or before @p seq: the scene there becomes the base.
    void compactThrough(qint64 seq);
    /// About how many bytes the operations hold (HistoryOperation::footprint()).
    qint64 footprint() const { return m_bytes; }
    /// The seq through which to compact so that the operations left hold at
    /// most @p bytes (baseSeq() when they already do).
    qint64 seqToFitWithin(qint64 bytes) const;
    /// Time of the base: when the oldest operation kept was made, or of the
    /// last one compacted (-1 when nothing was ever compacted).
    qint64 baseTimeMs() const { return m_baseTimeMs; }
    /// The seq of the last operation older than @p timeMs (-1: none).
    qint64 lastSeqBefore(qint64 timeMs) const;

    QList<Version> versions() const { return m_versions; }
    void setVersions(const QList<Version> &versions) { m_versions = versions; }
    /// Adds or renames the version at version.seq; false when that would
    /// make more than MaxVersions.
    bool addVersion(const Version &version);
    static constexpr int MaxVersions = 500;

    /// The commands that turn @p now into @p target: removals, additions and
    /// one update_item per changed item (changed_keys and removed_keys).
    static QList<Command> diffCommands(const HistoryScene &now, const HistoryScene &target);
    /**
     * The commands that invert the operation at @p seq on the head, leaving
     * out properties (and items) changed by later operations; each one left
     * out is appended to @p skipped as {item_id, key?, reason, seq?} (the
     * first MaxSkippedListed of them; @p skippedTotal counts them all).
     * False (with @p error) when there is no such operation.
     */
    bool revertCommands(qint64 seq, QList<Command> *commands, QJsonArray *skipped, qsizetype *skippedTotal,
                        QString *error) const;
    static constexpr qsizetype MaxSkippedListed = 200;

private:
    std::vector<HistoryOperation>::const_iterator lowerBound(qint64 seq) const;
    void rebuildCheckpoints();
    void appendApplied(HistoryOperation operation);

    qint64 m_baseSeq = 0;
    HistoryScene m_base;
    qint64 m_headSeq = 0;
    HistoryScene m_head;
    std::vector<HistoryOperation> m_ops;
    std::map<qint64, HistoryScene> m_checkpoints; // seq -> scene right after it
    int m_interval = 2000;
    int m_sinceCheckpoint = 0;
    qint64 m_lostBeforeSeq = -1;
    QList<Version> m_versions;
    qint64 m_bytes = 0;
    qint64 m_baseTimeMs = -1;
};

} // namespace Optiverse::Collab
