// SPDX-License-Identifier: MIT
#pragma once

#include <QFrame>
#include <QList>
#include <QTimer>
#include <functional>

class QLabel;
class QHBoxLayout;
class QToolButton;

namespace Optiverse::Collab {

/**
 * Non-modal notices with choices, in the status bar: "Nothing undone: bob
 * changed focal length after you. [Undo anyway]", "bob changed Lens 2 focal
 * length to 75 (yours: 50) [Restore mine] [Show]". The newest is shown; when
 * several arrive they collapse into it with "+N more" (its tooltip lists
 * them). A notice goes after a while, when its choice is taken, or with ×.
 * Hidden while there is none.
 */
class NoticeWidget : public QFrame
{
    Q_OBJECT
public:
    struct Action
    {
        QString text;
        std::function<void()> run;
    };

    explicit NoticeWidget(QWidget *parent = nullptr);

    /// Shows @p text with @p actions (each a button; taking one dismisses the notice).
    void showNotice(const QString &text, const QList<Action> &actions = {});
    void dismiss();
    /// How long a notice stays (default 15 s).
    void setDuration(int ms) { m_timer.setInterval(ms); }

    QString text() const;
    /// How many notices arrived while this one was shown (the "+N more").
    int collapsedCount() const { return int(m_earlier.size()); }
    /// The buttons of the notice shown, in order (tests click them).
    QList<QToolButton *> actionButtons() const { return m_buttons; }

private:
    QLabel *m_label;
    QLabel *m_more;
    QHBoxLayout *m_actions;
    QToolButton *m_close;
    QList<QToolButton *> m_buttons;
    QStringList m_earlier;
    QTimer m_timer;
};

} // namespace Optiverse::Collab
