// SPDX-License-Identifier: MIT
#pragma once

#include <QJsonArray>
#include <QObject>
#include <QString>

class HostScene;

/**
 * Runs a --script file: a JSON array of steps applied as LOCAL edits through
 * the scene's command API (so they land on the undo stack exactly like UI
 * edits and plugins broadcast them).
 *
 * The whole script is validated before anything runs, so a typo in step 40
 * cannot leave a half-applied scene. "wait" steps use a timer, never a
 * blocking sleep: the event loop (and the network) keeps running.
 * Steps are numbered from 1 in messages.
 */
class ScriptRunner : public QObject
{
    Q_OBJECT
public:
    explicit ScriptRunner(HostScene *scene, QObject *parent = nullptr);

    /// Reads and validates @p path. On failure, @p errorString is
    /// "<path>: step N: <problem>" (or "<path>: <problem>").
    bool load(const QString &path, QString *errorString);
    /// Validates already-parsed steps; errors are "step N: <problem>".
    bool setSteps(const QJsonArray &steps, QString *errorString);
    static bool validate(const QJsonArray &steps, QString *errorString);

    void start();
    bool isRunning() const { return m_running; }
    int stepCount() const { return int(m_steps.size()); }

signals:
    /// A run-time note for the user (e.g. a skipped step), already prefixed.
    void message(const QString &text);
    void finished();

private:
    void runNext();
    void runStep(int index, const QJsonObject &step);
    void note(int index, const QString &text);

    HostScene *m_scene;
    QJsonArray m_steps;
    QString m_label; // prefix for messages (the script's path)
    int m_next = 0;
    bool m_running = false;
};
